import type {
  AllocatedUnit,
  CardKeyToDeliver,
  DeliveryClaim,
  DeliveryLedger,
  PlatformAdapter,
  RecordedAllocation,
} from '@libs/channels';

/** The ledger operations CardKeyDeliverer uses; the in-memory model must keep their signatures. */
export type LedgerPort = Pick<
  DeliveryLedger,
  | 'recordAllocation'
  | 'recordAllocations'
  | 'claimDue'
  | 'renew'
  | 'markDelivered'
  | 'markAttemptFailed'
  | 'overdue'
>;

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
  allocatedAt: number;
  alerted: boolean;
}

const rowKey = (channel: string, orderId: string, unitId: string) =>
  `${channel}\u0000${orderId}\u0000${unitId}`;

/**
 * card_key_deliveries in memory, with the rules of libs/channels' DeliveryLedger: one row per (channel, order,
 * unit); a single key belongs to one order only (the unique index on unit_id for non-loop rows), a loop key is
 * one row per order with its copies; claims are fenced by a token and a lease on the virtual clock, and every
 * later write names the token and changes nothing once the row was claimed again. `beforeCall` lets the
 * scheduler take the ledger's database away.
 */
export class InMemoryDeliveryLedger implements LedgerPort {
  private readonly rows = new Map<string, Row>();
  private tokens = 0;

  constructor(
    private readonly now: () => number,
    private readonly beforeCall: (operation: string) => void = () => undefined,
  ) {}

  async recordAllocation(
    channel: string,
    orderId: string,
    sku: string,
    units: readonly AllocatedUnit[],
  ): Promise<RecordedAllocation> {
    this.beforeCall('recordAllocation');
    return this.record(channel, orderId, sku, units);
  }

  /** One statement in the real ledger: all of the batch is recorded, or (the database away) none of it. */
  async recordAllocations(
    channel: string,
    allocations: readonly { orderId: string; sku: string; units: readonly AllocatedUnit[] }[],
  ): Promise<RecordedAllocation[]> {
    this.beforeCall('recordAllocations');
    return allocations.map((a) => this.record(channel, a.orderId, a.sku, a.units));
  }

  private record(
    channel: string,
    orderId: string,
    sku: string,
    units: readonly AllocatedUnit[],
  ): RecordedAllocation {
    let added = 0;
    const conflicts: string[] = [];
    for (const u of mergeUnits(units)) {
      if (this.rows.has(rowKey(channel, orderId, u.unitId))) continue;
      if (!u.loop && this.singleTaken(u.unitId)) {
        conflicts.push(u.unitId);
        continue;
      }
      this.rows.set(rowKey(channel, orderId, u.unitId), {
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
        allocatedAt: this.now(),
        alerted: false,
      });
      added += 1;
    }
    return { added, conflicts };
  }

  async claimDue(
    channel: string,
    limit: number,
    leaseMs: number,
    per: 'row' | 'order' = 'row',
  ): Promise<DeliveryClaim> {
    this.beforeCall('claimDue');
    const token = `claim-${++this.tokens}`;
    const now = this.now();
    const dueRows = [...this.rows.values()]
      .filter((r) => r.channel === channel && r.state === 'pending' && r.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    // Per order: every due row of the first `limit` orders (by their oldest due row).
    const orders = [...new Set(dueRows.map((r) => r.orderId))].slice(0, limit);
    const due = per === 'row' ? dueRows.slice(0, limit) : dueRows.filter((r) => orders.includes(r.orderId));
    for (const r of due) {
      r.attempts += 1;
      r.nextAttemptAt = now + leaseMs;
      r.claimToken = token;
    }
    return {
      token,
      rows: due.map((r) => ({
        channel: r.channel,
        orderId: r.orderId,
        unitId: r.unitId,
        sku: r.sku,
        attempts: r.attempts,
        copies: r.copies,
        waitedMs: now - r.allocatedAt,
        loop: r.loop,
      })),
    };
  }

  async renew(
    token: string,
    channel: string,
    orderId: string,
    unitIds: readonly string[],
    leaseMs: number,
  ): Promise<string[]> {
    this.beforeCall('renew');
    return this.owned(token, channel, orderId, unitIds).map((r) => {
      r.nextAttemptAt = this.now() + leaseMs;
      return r.unitId;
    });
  }

  async markDelivered(
    token: string,
    channel: string,
    orderId: string,
    unitIds: readonly string[],
  ): Promise<number> {
    this.beforeCall('markDelivered');
    const rows = this.owned(token, channel, orderId, unitIds);
    for (const r of rows) {
      r.state = 'delivered';
      r.claimToken = null;
    }
    return rows.length;
  }

  async markAttemptFailed(
    token: string,
    channel: string,
    orderId: string,
    unitIds: readonly string[],
    _error: string,
    retryInMs: number | undefined,
  ): Promise<number> {
    this.beforeCall('markAttemptFailed');
    const rows = this.owned(token, channel, orderId, unitIds);
    for (const r of rows) {
      if (retryInMs === undefined) r.state = 'failed';
      r.nextAttemptAt = this.now() + (retryInMs ?? 0);
      r.claimToken = null;
    }
    return rows.length;
  }

  async overdue(
    channel: string,
    olderThanMs: number,
  ): Promise<{ count: number; newlyOverdue: { orderId: string; sku: string }[] }> {
    this.beforeCall('overdue');
    // As the ledger: every row of an overdue order is marked, and an order is new to the alert only when none of
    // its rows was marked before (its keys may have come in several allocations).
    const rows = [...this.rows.values()].filter((r) => r.channel === channel);
    const late = new Set(
      rows
        .filter((r) => r.state !== 'delivered' && r.allocatedAt < this.now() - olderThanMs)
        .map((r) => r.orderId),
    );
    const alertedBefore = new Set(rows.filter((r) => r.alerted).map((r) => r.orderId));
    const newlyOverdue: { orderId: string; sku: string }[] = [];
    for (const r of rows) {
      if (!late.has(r.orderId) || r.alerted) continue;
      r.alerted = true;
      if (!alertedBefore.has(r.orderId) && !newlyOverdue.some((o) => o.orderId === r.orderId)) {
        newlyOverdue.push({ orderId: r.orderId, sku: r.sku });
      }
    }
    return { count: late.size, newlyOverdue };
  }

  /** Rows still to deliver (pending), for the end-of-run drain. */
  pending(): number {
    return [...this.rows.values()].filter((r) => r.state === 'pending').length;
  }

  /** Rows given up on (state failed): a paid order whose keys never went out. */
  failed(): number {
    return [...this.rows.values()].filter((r) => r.state === 'failed').length;
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
    else if (u.loop || seen.loop)
      byId.set(u.unitId, { unitId: u.unitId, loop: true, count: seen.count + u.count });
  }
  return [...byId.values()];
}

export interface PlatformDelivery {
  channel: string;
  orderId: string;
  unitId: string;
}

/** The platforms' card-key endpoints: idempotent on (order, unit) like the simulators. */
export class SimulatedPlatforms {
  /** What buyers received: one entry per key handed over (a loop key once per copy bought). */
  readonly received: PlatformDelivery[] = [];
  private readonly seen = new Set<string>();

  /**
   * One channel's adapter. `during` runs inside every delivery call before the platform answers: the scheduler
   * uses it to fail the call, or to stall it while the lease runs out and another worker claims the same keys.
   */
  adapter(channel: string, during: () => Promise<void>): PlatformAdapter {
    const unsupported = async (): Promise<never> => {
      throw new Error('not part of the simulation');
    };
    return {
      channel,
      maxBatchSize: 1,
      push: unsupported,
      readListings: unsupported,
      deliverCardKeys: async (orderId: string, _sku: string, cards: readonly CardKeyToDeliver[]) => {
        await during();
        for (const card of cards) {
          const key = rowKey(channel, orderId, card.unitId);
          if (this.seen.has(key)) continue;
          this.seen.add(key);
          for (let i = 0; i < (card.copies ?? 1); i++)
            this.received.push({ channel, orderId, unitId: card.unitId });
        }
      },
    };
  }
}
