/**
 * The card-key delivery path in memory, with the rules of libs/channels' DeliveryLedger (card_key_deliveries):
 * one row per (channel, order, unit); a single key belongs to one order only (the unique index on unit_id for
 * non-loop rows), a loop key is one row per order with its copies; claims are fenced by a token and a lease, and
 * every later write names the token and changes nothing once the row was claimed again.
 *
 * Workers run as explicit steps so the scheduler can interleave them, stall one past its lease, or crash one
 * between the platform's acknowledgement and markDelivered.
 */

export interface AllocatedUnit {
  unitId: string;
  count: number;
  loop: boolean;
}

interface Row {
  channel: string;
  orderId: string;
  unitId: string;
  sku: string;
  copies: number;
  loop: boolean;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  claimToken: string | null;
}

export interface ClaimedRow {
  channel: string;
  orderId: string;
  unitId: string;
  sku: string;
  attempts: number;
  copies: number;
  loop: boolean;
}

const rowKey = (channel: string, orderId: string, unitId: string) => `${channel}\u0000${orderId}\u0000${unitId}`;

export class InMemoryDeliveryLedger {
  private readonly rows = new Map<string, Row>();
  private tokens = 0;

  constructor(
    private readonly now: () => number,
    /** A deliberately broken ledger for proving the oracle: no one-order-per-single-key rule. */
    private readonly options: { dropUnitUniqueness?: boolean } = {},
  ) {}

  recordAllocation(channel: string, orderId: string, sku: string, units: readonly AllocatedUnit[]): { added: number; conflicts: string[] } {
    let added = 0;
    const conflicts: string[] = [];
    for (const u of mergeUnits(units)) {
      const key = rowKey(channel, orderId, u.unitId);
      if (this.rows.has(key)) continue;
      if (!u.loop && !this.options.dropUnitUniqueness && this.singleTaken(u.unitId)) {
        conflicts.push(u.unitId);
        continue;
      }
      this.rows.set(key, {
        channel,
        orderId,
        unitId: u.unitId,
        sku,
        copies: u.count,
        loop: u.loop,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: this.now(),
        claimToken: null,
      });
      added += 1;
    }
    return { added, conflicts };
  }

  claimDue(channel: string, limit: number, leaseMs: number): { token: string; rows: ClaimedRow[] } {
    const token = `claim-${++this.tokens}`;
    const now = this.now();
    const due = [...this.rows.values()]
      .filter((r) => r.channel === channel && r.state === 'pending' && r.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .slice(0, limit);
    for (const r of due) {
      r.attempts += 1;
      r.nextAttemptAt = now + leaseMs;
      r.claimToken = token;
    }
    return { token, rows: due.map(({ channel: c, orderId, unitId, sku, attempts, copies, loop }) => ({ channel: c, orderId, unitId, sku, attempts, copies, loop })) };
  }

  renew(token: string, channel: string, orderId: string, unitIds: readonly string[], leaseMs: number): string[] {
    return this.owned(token, channel, orderId, unitIds).map((r) => {
      r.nextAttemptAt = this.now() + leaseMs;
      return r.unitId;
    });
  }

  markDelivered(token: string, channel: string, orderId: string, unitIds: readonly string[]): number {
    const rows = this.owned(token, channel, orderId, unitIds);
    for (const r of rows) {
      r.state = 'delivered';
      r.claimToken = null;
    }
    return rows.length;
  }

  markAttemptFailed(token: string, channel: string, orderId: string, unitIds: readonly string[], retryInMs: number | undefined): number {
    const rows = this.owned(token, channel, orderId, unitIds);
    for (const r of rows) {
      if (retryInMs === undefined) r.state = 'failed';
      r.nextAttemptAt = this.now() + (retryInMs ?? 0);
      r.claimToken = null;
    }
    return rows.length;
  }

  /** Rows not delivered yet (pending or given up), for the end-of-run drain and the report. */
  undelivered(): number {
    return [...this.rows.values()].filter((r) => r.state !== 'delivered').length;
  }

  private singleTaken(unitId: string): boolean {
    for (const r of this.rows.values()) if (r.unitId === unitId && !r.loop) return true;
    return false;
  }

  private owned(token: string, channel: string, orderId: string, unitIds: readonly string[]): Row[] {
    return unitIds
      .map((u) => this.rows.get(rowKey(channel, orderId, u)))
      .filter((r): r is Row => r !== undefined && r.state === 'pending' && r.claimToken === token);
  }
}

/** The same single key named twice is one key; a loop key named several times adds up its copies. */
function mergeUnits(units: readonly AllocatedUnit[]): AllocatedUnit[] {
  const byId = new Map<string, AllocatedUnit>();
  for (const u of units) {
    const seen = byId.get(u.unitId);
    if (!seen) byId.set(u.unitId, { ...u });
    else if (u.loop || seen.loop) byId.set(u.unitId, { unitId: u.unitId, loop: true, count: seen.count + u.count });
  }
  return [...byId.values()];
}

export interface PlatformDelivery {
  channel: string;
  orderId: string;
  unitId: string;
}

/** A platform's card-key endpoint: idempotent on (order, unit) like the simulators; may fail for a while. */
export class SimulatedPlatforms {
  /** What buyers received: one entry per key handed over (a loop key once per copy bought). */
  readonly received: PlatformDelivery[] = [];
  private readonly seen = new Set<string>();
  failuresLeft = 0;

  deliver(channel: string, orderId: string, cards: readonly { unitId: string; copies: number }[]): void {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw Object.assign(new Error('platform answered 503'), { retryable: true });
    }
    for (const card of cards) {
      const key = rowKey(channel, orderId, card.unitId);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      for (let i = 0; i < card.copies; i++) this.received.push({ channel, orderId, unitId: card.unitId });
    }
  }
}

export interface WorkerOptions {
  leaseMs: number;
  maxAttempts: number;
  retryInMs: number;
}

/**
 * One delivery worker of one channel, as CardKeyDeliverer does it: claim due rows, then per order renew the
 * lease (deliver only what the claim still owns), call the platform, mark delivered under the claim's token.
 */
export class DeliveryWorker {
  private claim?: { token: string; orders: ClaimedRow[][] };

  constructor(
    readonly channel: string,
    private readonly ledger: InMemoryDeliveryLedger,
    private readonly platforms: SimulatedPlatforms,
    private readonly options: WorkerOptions,
  ) {}

  get busy(): boolean {
    return this.claim !== undefined;
  }

  /** One step: claim when idle, otherwise deliver the next claimed order. `crash` drops the claim after the call. */
  step(crash: boolean): void {
    if (!this.claim) {
      const { token, rows } = this.ledger.claimDue(this.channel, 100, this.options.leaseMs);
      if (rows.length === 0) return;
      const byOrder = new Map<string, ClaimedRow[]>();
      for (const r of rows) byOrder.set(`${r.orderId}\u0000${r.sku}`, [...(byOrder.get(`${r.orderId}\u0000${r.sku}`) ?? []), r]);
      this.claim = { token, orders: [...byOrder.values()] };
      return;
    }
    const { token, orders } = this.claim;
    const rows = orders.shift()!;
    if (orders.length === 0) this.claim = undefined;
    const orderId = rows[0]!.orderId;
    const stillOwned = new Set(this.ledger.renew(token, this.channel, orderId, rows.map((r) => r.unitId), this.options.leaseMs));
    const mine = rows.filter((r) => stillOwned.has(r.unitId));
    if (mine.length === 0) return;
    const unitIds = mine.map((r) => r.unitId);
    try {
      this.platforms.deliver(this.channel, orderId, mine.map((r) => ({ unitId: r.unitId, copies: r.copies })));
    } catch {
      const attempts = Math.max(...mine.map((r) => r.attempts));
      this.ledger.markAttemptFailed(token, this.channel, orderId, unitIds, attempts >= this.options.maxAttempts ? undefined : this.options.retryInMs);
      return;
    }
    if (crash) {
      // The process died after the platform acknowledged: the rows stay claimed until the lease runs out.
      this.claim = undefined;
      return;
    }
    this.ledger.markDelivered(token, this.channel, orderId, unitIds);
  }
}
