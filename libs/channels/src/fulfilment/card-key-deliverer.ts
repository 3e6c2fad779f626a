import { OrderOutcomesTopic, type MessageBatch } from '@libs/messaging';
import { orderKey } from '@libs/card-vault';
import { observeStage } from '@libs/observability';
import { type BackoffPolicy, isTransientError, PeriodicTask } from '@libs/resilience';
import type { AlertSink } from '@libs/messaging';
import type { ChannelMetrics } from '../channel-metrics';
import type { PlatformAdapter } from '../outbound/platform-adapter';
import { PlatformCallError } from '../outbound/platform-errors';
import { clampRetryAfter, DEFAULT_MAX_RETRY_AFTER_MS, retryDelayMs } from '../outbound/retry-after';
import { TokenBucket } from '../outbound/token-bucket';
import type { AllocatedUnit, DeliveryClaim, DeliveryLedger, DueDelivery } from './delivery-ledger';

/** The part of the card vault delivery needs; the vault records every reveal. */
export interface SecretRevealer {
  reveal(unitId: string, context: { orderId: string; channel: string; actor: string }): Promise<string>;
  /** Many reveals in one transaction, all or nothing (the card vault has it; a test double may not). */
  revealMany?(
    requests: readonly { unitId: string; orderId: string; channel: string }[],
    actor: string,
  ): Promise<Map<string, string>>;
  /**
   * For each order, which of its units the event store (written only by the inventory service) allocated to it,
   * keyed by orderKey(orderId, sku); one round trip for a batch of announcements. The card vault has it; a
   * revealer without it (a test double) takes every announcement as it is.
   */
  allocatedUnitsOfOrders?(
    channel: string,
    orders: readonly { orderId: string; sku: string; unitIds: readonly string[] }[],
  ): Promise<Map<string, Set<string>>>;
}

/**
 * Tells the inventory which keys of an order the platform acknowledged (card-keys.delivered on the SKU lane). Called
 * from the ledger's unreported rows, so a report lost to an outage is sent on a later pass; the inventory records a
 * repeat as nothing new.
 */
export interface DeliveredKeys {
  channel: string;
  orderId: string;
  sku: string;
  unitIds: string[];
}

export interface DeliveryReporter {
  /** Resolves once every report is durably published; all of a pass's reports go together. */
  reportDelivered(reports: DeliveredKeys[]): Promise<void>;
}

export interface DelivererOptions {
  pollMs: number;
  /** How long a claimed delivery is left alone before another attempt may claim it. */
  leaseMs: number;
  maxAttempts: number;
  /** Orders delivered at once, new allocations and the periodic pass together (default 1). */
  concurrency?: number;
  /** Delivery calls per second at most, the platform's limit (default: none). */
  ratePerSecond?: number;
  backoff: BackoffPolicy;
  /** An order paid (keys allocated) and not delivered after this long raises an alert. Default 5 minutes. */
  alertAfterMs: number;
  /** The longest a platform's Retry-After may postpone a delivery (default 10 minutes). */
  maxRetryAfterMs?: number;
  /** Where deliveries are reported to the inventory; without it the inventory's orders stay 'confirmed'. */
  reporter?: DeliveryReporter;
  /**
   * Where alerts go besides the log (stock.alerts, for the notifier): PAID_NOT_DELIVERED raised and resolved,
   * PAID_ORDER_REJECTED, DELIVERY_FAILED. Without it they are logged and counted only.
   */
  alerts?: AlertSink;
}

export interface DelivererLogger {
  info?(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A card-keys.allocated announcement waiting to be recorded, with when it was published. */
interface Announcement {
  payload: { channel: string; channelOrderId: string; sku: string } & Parameters<typeof allocatedUnits>[0];
  publishedAt: number;
}

const VAULT_REFUSALS = new Set(['CARD_VAULT.NOT_ALLOCATED', 'CARD_VAULT.REVEALED_TO_ANOTHER_ORDER']);

/** Rows claimed per pass; each order's lease is renewed when its turn comes, so a long pass loses nothing. */
const CLAIM_LIMIT = 100;

/**
 * Delivers allocated card keys exactly once per (channel, order, unit): the allocation is recorded in the
 * ledger (idempotent), a worker claims due rows, reveals each secret from the vault just before the call, and
 * marks the rows delivered after the platform acknowledged. Secrets are never logged nor stored here.
 */
export class CardKeyDeliverer {
  // Stopped until start(): an allocation recorded by a deliverer that is not running (tests, a shutdown) starts
  // no pass.
  private readonly passes: PeriodicTask;
  private readonly rate?: TokenBucket;

  constructor(
    private readonly adapter: PlatformAdapter,
    private readonly ledger: DeliveryLedger,
    private readonly vault: SecretRevealer,
    private readonly metrics: ChannelMetrics,
    private readonly options: DelivererOptions,
    private readonly logger?: DelivererLogger,
  ) {
    this.rate = options.ratePerSecond
      ? new TokenBucket(options.ratePerSecond, Math.max(1, Math.ceil(options.ratePerSecond)))
      : undefined;
    this.passes = new PeriodicTask(() => this.runOnce(), {
      intervalMs: options.pollMs,
      firstDelayMs: 0,
      onError: (err) =>
        this.logger?.warn(
          { channel: this.adapter.channel, err: (err as Error).message },
          'delivery pass failed',
        ),
    });
  }

  /**
   * The stock.order-outcomes handler: records this channel's allocations before the offsets are committed, and
   * reports paid orders the inventory refused. A database error propagates as it is: the bus retries the batch
   * for as long as the database is away, so an allocation is never dead-lettered for our own outage.
   */
  readonly onOutcomes = async (batch: MessageBatch<typeof OrderOutcomesTopic>): Promise<void> => {
    const readAt = Date.now();
    let added = 0;
    // Allocations are recorded together: consecutive announcements wait here, and go in before any message that
    // changes an order's keys (a withdrawal, a redelivery), so the ledger sees each order's messages in order.
    let allocations: Announcement[] = [];
    const recordAllocations = async () => {
      if (allocations.length > 0) added += await this.recordAllocations(allocations, readAt);
      allocations = [];
    };
    for (const { envelope, timestamp } of batch.messages) {
      if (envelope.payload.channel !== this.adapter.channel) continue;
      if (envelope.type === 'card-keys.allocated') {
        allocations.push({ payload: envelope.payload, publishedAt: Number(timestamp) });
        continue;
      }
      if (envelope.type === 'order.rejected') await this.onRejected(envelope.payload, envelope.eventId);
      if (envelope.type === 'card-keys.withdrawn') {
        await recordAllocations();
        const p = envelope.payload;
        await this.ledger.withdraw(p.channel, p.channelOrderId, p.unitIds);
        this.logger?.info?.(
          {
            channel: p.channel,
            orderId: p.channelOrderId,
            sku: p.sku,
            units: p.unitIds.length,
            reason: p.reason,
          },
          'card keys withdrawn from the order',
        );
      }
      if (envelope.type === 'card-keys.redeliver') {
        await recordAllocations();
        const p = envelope.payload;
        const unitIds = [...p.unitIds, ...(p.loopUnits ?? []).map((l) => l.unitId)];
        const queued = await this.ledger.requeue(p.channel, p.channelOrderId, unitIds, p.redelivery);
        this.logger?.info?.(
          {
            channel: p.channel,
            orderId: p.channelOrderId,
            sku: p.sku,
            units: queued,
            redelivery: p.redelivery,
          },
          'card keys queued to be sent again',
        );
        added += queued;
      }
    }
    await recordAllocations();
    if (added > 0) this.kick();
  };

  /** Checks a run of announcements against the event store and records them in the ledger: two round trips. */
  private async recordAllocations(announcements: Announcement[], readAt: number): Promise<number> {
    const asked = announcements.map(({ payload: p }) => ({
      orderId: p.channelOrderId,
      sku: p.sku,
      units: allocatedUnits(p),
    }));
    const confirmed = await this.confirmedByEventStore(asked);
    const results = await this.ledger.recordAllocations(this.adapter.channel, confirmed);
    let added = 0;
    results.forEach((recorded, i) => {
      const { orderId, sku } = confirmed[i];
      added += recorded.added;
      if (recorded.added > 0) {
        observeStage(this.metrics.stages, 'outcome', announcements[i].publishedAt, readAt);
        observeStage(this.metrics.stages, 'ledger', readAt);
      }
      if (recorded.conflicts.length > 0) {
        // A single key already queued for another order: a forged or corrupted announcement, never a reason to
        // hand the key out twice. The first order keeps it; this one is refused, counted and alerted on.
        this.metrics.allocationConflicts.inc({ channel: this.adapter.channel }, recorded.conflicts.length);
        this.logger?.error(
          {
            channel: this.adapter.channel,
            orderId,
            sku,
            unitIds: recorded.conflicts.slice(0, 20),
            units: recorded.conflicts.length,
            alert: 'CARD_KEY_ALLOCATION_CONFLICT',
          },
          'card keys announced for an order already belong to another order; not delivered',
        );
      }
    });
    return added;
  }

  /**
   * Keeps the units the event store's ReservationConfirmed allocated to each order. The broker is not the trust
   * boundary: anyone who can produce to it can announce any unit for any order, so the rest are refused before
   * they reach the ledger, counted and alerted on. The vault's reveal checks the same row again.
   */
  private async confirmedByEventStore(
    asked: { orderId: string; sku: string; units: AllocatedUnit[] }[],
  ): Promise<{ orderId: string; sku: string; units: AllocatedUnit[] }[]> {
    if (!this.vault.allocatedUnitsOfOrders) return asked;
    const channel = this.adapter.channel;
    const confirmed = await this.vault.allocatedUnitsOfOrders(
      channel,
      asked.map((a) => ({ orderId: a.orderId, sku: a.sku, unitIds: a.units.map((u) => u.unitId) })),
    );
    return asked.map(({ orderId, sku, units }) => {
      const allocated = confirmed.get(orderKey(orderId, sku)) ?? new Set<string>();
      const forged = units.filter((u) => !allocated.has(u.unitId)).map((u) => u.unitId);
      if (forged.length > 0) {
        this.metrics.forgedAllocations.inc({ channel }, forged.length);
        this.logger?.error(
          {
            channel,
            orderId,
            sku,
            unitIds: forged.slice(0, 20),
            units: forged.length,
            alert: 'CARD_KEY_FORGED_ALLOCATION',
          },
          'card keys announced for an order the event store did not allocate them to; refused, nothing revealed',
        );
      }
      return { orderId, sku, units: units.filter((u) => allocated.has(u.unitId)) };
    });
  }

  /**
   * A payment the inventory refused (stock gone since the placement, SKU unknown, over the per-order cap): the
   * buyer paid and gets nothing unless someone refunds or fulfils by hand, so it is counted and logged by ids.
   */
  private async onRejected(
    p: { channel: string; channelOrderId: string; sku: string; answers: string; reasonCode: string },
    eventId: string,
  ): Promise<void> {
    if (p.answers !== 'order.paid') return;
    this.metrics.paidOrdersRejected.inc({ channel: p.channel, reason: p.reasonCode });
    this.logger?.error(
      {
        channel: p.channel,
        orderId: p.channelOrderId,
        sku: p.sku,
        reason: p.reasonCode,
        alert: 'PAID_ORDER_REJECTED',
      },
      'paid order rejected by the inventory; needs a refund or manual fulfilment',
    );
    // Published before the batch's offsets are committed: the broker away fails the batch, which is read again.
    await this.options.alerts?.raise({
      kind: 'PAID_ORDER_REJECTED',
      key: `${p.channel}:${p.channelOrderId}`,
      severity: 'critical',
      summary: `Order ${p.channelOrderId} on ${p.channel} was paid but the inventory refused it (${p.reasonCode}) for ${p.sku}: refund it or give it keys by hand.`,
      labels: { channel: p.channel, sku: p.sku, reason: p.reasonCode },
      eventId,
    });
  }

  start(): void {
    this.running = true;
    this.passes.start();
  }

  /** Resolves once the pass under way, if any, and every delivery started on new allocations have finished. */
  async stop(): Promise<void> {
    this.running = false;
    await this.passes.stop();
    while (this.started.size > 0) await Promise.allSettled([...this.started]);
  }

  /** Runs one pass now (also used by tests): claims what is due, delivers it, reports, checks for overdue orders. */
  async runOnce(): Promise<number> {
    let claimed: number;
    if (this.running) {
      // Deliveries run on new allocations too: the pass takes only what the free slots can start now, as the
      // pump does (rows claimed beyond them would wait behind the pass while slots freed up elsewhere).
      const claim = await this.claimForFreeSlots();
      claimed = claim?.rows ?? 0;
      if (claim) await this.deliverClaimed(claim.token, claim.orders, claim.claimedAt);
    } else {
      const claim = await this.ledger.claimDue(this.adapter.channel, CLAIM_LIMIT, this.options.leaseMs);
      claimed = claim.rows.length;
      const orders = this.ordersOf(claim.rows);
      // Orders are independent and each holds its own lease: deliver several at once, so the rate is not capped
      // at one platform round trip per order.
      const workers = Math.max(1, Math.min(this.options.concurrency ?? 1, orders.length));
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let next = orders.shift(); next; next = orders.shift()) {
            this.inFlight++;
            await this.deliverCounted(claim.token, next);
          }
        }),
      );
    }
    await this.reportDeliveries();
    await this.checkOverdue();
    return claimed;
  }

  /**
   * Claims the due orders of the free slots, one order per slot, with the slots taken before the claim is made (so the pass and the
   * pump, claiming at the same moment, never start more than DELIVERY_CONCURRENCY orders between them) and the
   * ones the claim did not fill given back. The orders returned are counted in flight; undefined: nothing due.
   */
  private async claimForFreeSlots(): Promise<
    { token: string; orders: DueDelivery[][]; rows: number; claimedAt: number } | undefined
  > {
    const slots = Math.min(CLAIM_LIMIT, this.freeSlots());
    if (slots === 0) return undefined;
    this.inFlight += slots;
    // Before the statement: the lease it gives runs from a later moment, never an earlier one.
    const claimedAt = Date.now();
    let claim: DeliveryClaim;
    try {
      claim = await this.ledger.claimDue(this.adapter.channel, slots, this.options.leaseMs, 'order');
    } catch (err) {
      this.inFlight -= slots;
      throw err;
    }
    const orders = this.ordersOf(claim.rows);
    this.inFlight -= slots - orders.length;
    return orders.length > 0 ? { token: claim.token, orders, rows: claim.rows.length, claimedAt } : undefined;
  }

  private running = false;
  private inFlight = 0;
  private pumping = false;
  private pumpAgain = false;
  private readonly started = new Set<Promise<void>>();

  private freeSlots(): number {
    return Math.max(0, (this.options.concurrency ?? 1) - this.inFlight);
  }

  /**
   * Delivers what is due at once, beside the periodic pass, as far as the concurrency allows: a new allocation
   * does not wait for the pass under way to end (it waited a whole pass before: the claim stage of the payment
   * path). Each delivery that ends claims again, so a busy ledger keeps every slot in use. Reports and overdue
   * checks stay with the periodic pass.
   */
  private pump(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    const run = async () => {
      do {
        this.pumpAgain = false;
        while (this.running) {
          const claim = await this.claimForFreeSlots();
          if (!claim) break;
          const delivery = this.deliverClaimed(claim.token, claim.orders, claim.claimedAt).finally(() =>
            this.started.delete(delivery),
          );
          this.started.add(delivery);
        }
      } while (this.pumpAgain && this.running);
    };
    run()
      .catch((err: Error) =>
        // The ledger out of reach: the periodic pass tries again.
        this.logger?.warn(
          { channel: this.adapter.channel, err: err.message },
          'delivery of new allocations failed',
        ),
      )
      .finally(() => {
        this.pumping = false;
        // A delivery that ended after the loop's last look: its wake-up is not lost.
        if (this.pumpAgain) this.pump();
      });
  }

  private ordersOf(rows: DueDelivery[]): DueDelivery[][] {
    const byOrder = new Map<string, DueDelivery[]>();
    for (const d of rows) {
      // A first attempt only: a retry's wait is its backoff, not the path's.
      if (d.attempts === 1) observeStage(this.metrics.stages, 'claim', 0, d.waitedMs);
      const key = `${d.orderId}\u0000${d.sku}`;
      byOrder.set(key, [...(byOrder.get(key) ?? []), d]);
    }
    return [...byOrder.values()];
  }

  /**
   * Orders just claimed (and counted in flight): their keys revealed in one vault transaction, then each order
   * delivered on its own. A refusal anywhere in the batch reveals nothing, and each order reveals its own keys
   * instead, so the refusal reaches the order it concerns and no other.
   */
  private async deliverClaimed(token: string, orders: DueDelivery[][], claimedAt: number): Promise<void> {
    let revealed: { secrets: Map<string, string>; ms: number } | undefined;
    if (this.vault.revealMany && orders.length > 1) {
      const started = Date.now();
      try {
        const secrets = await this.vault.revealMany(
          orders.flat().map((r) => ({ unitId: r.unitId, orderId: r.orderId, channel: r.channel })),
          `connector-${this.adapter.channel}`,
        );
        revealed = { secrets, ms: Date.now() - started };
      } catch {
        revealed = undefined;
      }
    }
    await Promise.all(orders.map((order) => this.deliverCounted(token, order, revealed, claimedAt)));
  }

  /** One order's delivery already counted in flight; never rejects, and ends its count. */
  private async deliverCounted(
    token: string,
    rows: DueDelivery[],
    revealed?: { secrets: Map<string, string>; ms: number },
    claimedAt?: number,
  ): Promise<void> {
    try {
      // One order's database error (the ledger out of reach) must not end the pass for the others: its rows stay
      // claimed until the lease runs out and are tried again then.
      await this.deliverOrder(token, rows, revealed, claimedAt);
    } catch (err) {
      this.logger?.warn(
        { channel: this.adapter.channel, orderId: rows[0].orderId, err: (err as Error).message },
        'card-key delivery not recorded; tried again after the lease',
      );
    } finally {
      this.inFlight--;
      // Its slot is free: the next due order starts now, not when the rest of its claim has finished.
      this.pump();
    }
  }

  /** Reports delivered keys the inventory was not told about yet; one failed report waits for the next pass. */
  private async reportDeliveries(): Promise<void> {
    const reporter = this.options.reporter;
    if (!reporter) return;
    const channel = this.adapter.channel;
    const due = await this.ledger.unreported(channel, CLAIM_LIMIT);
    if (due.length === 0) return;
    // One publish and one update per pass, not one per order: a busy pass reports up to CLAIM_LIMIT keys.
    await reporter.reportDelivered(due.map((order) => ({ channel, ...order })));
    await this.ledger.markReported(channel, due);
  }

  private kick(): void {
    this.pump();
  }

  private async deliverOrder(
    token: string,
    claimed: DueDelivery[],
    revealed?: { secrets: Map<string, string>; ms: number },
    claimedAt?: number,
  ): Promise<void> {
    const { channel, orderId, sku } = claimed[0];
    // An order that waited since its claim (behind others in a pass) takes the lease again from now, and leaves any
    // row another worker claimed in the meantime to that worker. One delivered right after its claim still holds
    // most of the lease, which nobody else can take: one round trip less per order.
    const fresh = claimedAt !== undefined && Date.now() - claimedAt < this.options.leaseMs / 3;
    const owned = fresh
      ? new Set(claimed.map((r) => r.unitId))
      : new Set(
          await this.ledger.renew(
            token,
            channel,
            orderId,
            claimed.map((r) => r.unitId),
            this.options.leaseMs,
          ),
        );
    const rows = claimed.filter((r) => owned.has(r.unitId));
    if (rows.length === 0) return;
    const unitIds = rows.map((r) => r.unitId);
    const lease = this.keepLease(token, channel, orderId, unitIds);
    const stages = this.metrics.stages;
    let stageStart = Date.now();
    try {
      const cards = [];
      for (const row of rows) {
        cards.push({
          unitId: row.unitId,
          secret:
            revealed?.secrets.get(row.unitId) ??
            (await this.vault.reveal(row.unitId, { orderId, channel, actor: `connector-${channel}` })),
          ...(row.loop ? { copies: row.copies } : {}),
        });
      }
      // Revealed with the other orders of its claim: that transaction's time.
      observeStage(stages, 'reveal', revealed ? stageStart - revealed.ms : stageStart);
      // The wait for the platform's rate limit counts as the call's.
      stageStart = Date.now();
      await this.rate?.take(1);
      await this.adapter.deliverCardKeys(orderId, sku, cards);
      observeStage(stages, 'delivery_call', stageStart);
      stageStart = Date.now();
    } catch (err) {
      await lease.stop();
      await this.onAttemptFailed(token, rows, err);
      return;
    }
    await lease.stop();
    const marked = await this.ledger.markDelivered(token, channel, orderId, unitIds);
    observeStage(stages, 'acknowledged', stageStart);
    this.metrics.deliveries.inc({ channel, result: 'delivered' }, marked);
    if (marked < unitIds.length) await this.onNotMarked(channel, orderId, sku, unitIds, marked);
    // The ids an operator traces an order by; the secrets stay out (they were in `cards`, never logged).
    this.logger?.info?.({ channel, orderId, sku, units: unitIds.length }, 'card keys delivered');
  }

  /**
   * The platform took keys this claim no longer holds. A refund or replacement that withdrew a key while the call
   * was in flight: the buyer has a key that is back in stock, so an operator must void it (alerted once per key).
   * Otherwise the lease ran out during the call (the database out of reach longer than the lease): another worker
   * may deliver the same keys, and only the platform's idempotency on (order, unit) keeps the buyer from a second
   * copy; counted and logged so the operator can raise the lease.
   */
  private async onNotMarked(
    channel: string,
    orderId: string,
    sku: string,
    unitIds: string[],
    marked: number,
  ): Promise<void> {
    const withdrawn = await this.ledger.markSentAfterWithdrawal(channel, orderId, unitIds);
    for (const unitId of withdrawn) {
      this.metrics.deliveries.inc({ channel, result: 'sent_after_withdrawal' });
      this.logger?.error(
        { channel, orderId, sku, unitId, alert: 'KEY_SENT_AFTER_WITHDRAWAL' },
        'card key reached the platform after it was withdrawn from the order: void it',
      );
      await this.alert('raise', {
        kind: 'KEY_SENT_AFTER_WITHDRAWAL',
        key: `${channel}:${orderId}:${unitId}`,
        severity: 'critical',
        summary: `Key ${unitId} of ${sku} reached order ${orderId} on ${channel} after a refund or replacement took it back (the send was under way). It is back in stock: void it (stocksync key void ${sku} ${unitId}).`,
        labels: { channel, sku, unitId },
      });
    }
    const lost = unitIds.length - marked - withdrawn.length;
    if (lost <= 0) return;
    this.metrics.deliveries.inc({ channel, result: 'lease_lost' }, lost);
    this.logger?.warn(
      { channel, orderId, sku, units: unitIds.length, marked },
      'card-key delivery lease lost during the platform call',
    );
  }

  private async onAttemptFailed(token: string, rows: DueDelivery[], err: unknown): Promise<void> {
    const { channel, orderId, sku } = rows[0];
    const unitIds = rows.map((r) => r.unitId);
    const attempts = Math.max(...rows.map((r) => r.attempts));
    const retryable = !(err instanceof PlatformCallError) || err.retryable;
    // Our own database or vault out of reach says nothing about this delivery: it is retried for as long as it
    // takes and never given up for it (attempts count the platform's failures and bad data only).
    const ours = !(err instanceof PlatformCallError) && isTransientError(err);
    // The vault refusing a unit the event store never allocated to this order (or took back), or a single key it
    // revealed for another order already, will not change on a retry.
    const refused = VAULT_REFUSALS.has((err as { code?: string }).code ?? '');
    const giveUp = refused || (!ours && (!retryable || attempts >= this.options.maxAttempts));
    const code =
      err instanceof PlatformCallError ? err.code : ((err as { code?: string }).code ?? (err as Error).name);
    const owned = await this.ledger.markAttemptFailed(
      token,
      channel,
      orderId,
      unitIds,
      code,
      giveUp ? undefined : Math.max(50, this.retryInMs(attempts, err)),
    );
    if (owned === 0) return; // Another worker owns these rows now: its attempt decides.
    this.metrics.deliveries.inc({ channel, result: giveUp ? 'failed' : 'retried' }, owned);
    // Never the error message of a vault or platform call verbatim: the code and the ids say enough.
    (giveUp ? this.logger?.error : this.logger?.warn)?.call(
      this.logger,
      { channel, orderId, sku, units: unitIds.length, attempts, code },
      giveUp ? 'card-key delivery failed; needs an operator' : 'card-key delivery will be retried',
    );
    if (giveUp) {
      await this.alert('raise', {
        kind: 'DELIVERY_FAILED',
        key: `${channel}:${orderId}`,
        severity: 'critical',
        summary: `Card keys of order ${orderId} on ${channel} (${sku}) could not be delivered (${code}) after ${attempts} attempts: stocksync order redeliver ${channel} ${orderId}, or refund it.`,
        labels: { channel, sku, code },
      });
    }
  }

  /** An alert to the notifier from a delivery pass: a broker away costs a log line, never the pass. */
  private async alert(change: 'raise' | 'resolve', notice: Parameters<AlertSink['raise']>[0]): Promise<void> {
    try {
      await this.options.alerts?.[change](notice);
    } catch (err) {
      this.logger?.warn(
        { channel: this.adapter.channel, kind: notice.kind, key: notice.key, err: (err as Error).message },
        'alert not published',
      );
    }
  }

  /** Our backoff, or longer when the platform asked for it (bounded by the clamp). */
  private retryInMs(attempts: number, err: unknown): number {
    const asked = clampRetryAfter(
      err instanceof PlatformCallError ? err.retryAfterMs : undefined,
      this.options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
    );
    if (asked.clamped) this.metrics.retryAfterClamped.inc({ channel: this.adapter.channel });
    return retryDelayMs(attempts, this.options.backoff, asked.delayMs);
  }

  /**
   * Renews the lease every third of its length while a delivery is in flight, so a platform call slower than
   * the lease does not let a second worker claim the same keys. A failed renewal is retried at the next tick;
   * a lost lease shows in `markDelivered`, which then changes nothing.
   */
  private keepLease(token: string, channel: string, orderId: string, unitIds: string[]) {
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = renewing
          .then(() => this.ledger.renew(token, channel, orderId, unitIds, this.options.leaseMs))
          .catch((err: Error) =>
            this.logger?.warn({ channel, orderId, err: err.message }, 'card-key delivery lease not renewed'),
          );
      },
      Math.max(10, Math.floor(this.options.leaseMs / 3)),
    );
    return {
      stop: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
  }

  private async checkOverdue(): Promise<void> {
    const { count, newlyOverdue } = await this.ledger.overdue(
      this.adapter.channel,
      this.options.alertAfterMs,
    );
    this.metrics.undeliveredPaidOrders.set({ channel: this.adapter.channel }, count);
    for (const o of newlyOverdue) {
      this.logger?.error(
        {
          channel: this.adapter.channel,
          orderId: o.orderId,
          sku: o.sku,
          afterMs: this.options.alertAfterMs,
          alert: 'PAID_NOT_DELIVERED',
        },
        'order paid but card keys not delivered',
      );
      await this.alert('raise', {
        kind: 'PAID_NOT_DELIVERED',
        key: `${this.adapter.channel}:${o.orderId}`,
        severity: 'critical',
        summary: `Order ${o.orderId} on ${this.adapter.channel} (${o.sku}) is paid and its keys are not delivered after ${Math.round(this.options.alertAfterMs / 1000)} s.`,
        labels: { channel: this.adapter.channel, sku: o.sku },
      });
    }
    if (!this.options.alerts) return;
    for (const o of await this.ledger.deliveredAfterAlert(this.adapter.channel)) {
      for (const kind of ['PAID_NOT_DELIVERED', 'DELIVERY_FAILED'] as const) {
        await this.alert('resolve', {
          kind,
          key: `${this.adapter.channel}:${o.orderId}`,
          severity: 'info',
          summary: `Order ${o.orderId} on ${this.adapter.channel} (${o.sku}) has nothing left to deliver.`,
          labels: { channel: this.adapter.channel, sku: o.sku },
        });
      }
    }
  }
}

/**
 * The units of one announcement: single keys (`unitIds`) and loop keys with the copies bought (`loopUnits`).
 * Announcements made before loop keys were counted repeat a loop key's id once per copy in `unitIds`: an id
 * named n > 1 times there is read as a loop key sold n times.
 */
export function allocatedUnits(payload: {
  unitIds: readonly string[];
  loopUnits?: readonly { unitId: string; count: number }[];
}): AllocatedUnit[] {
  const counts = new Map<string, number>();
  for (const id of payload.unitIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  const units: AllocatedUnit[] = [...counts].map(([unitId, count]) => ({ unitId, count, loop: count > 1 }));
  for (const { unitId, count } of payload.loopUnits ?? []) units.push({ unitId, count, loop: true });
  return units;
}
