import { EVENT_ID_NAMESPACE, uuidV5 } from '@libs/command-handling';
import type { CardVault } from '@libs/card-vault';
import type { RecordForwardResult } from '@libs/inventory';
import type { SupplierForwardRequested } from '@libs/messaging';
import type { OrderLookup, OrderOutcome, SupplierClient, SupplierOrder, TopUpReceipt } from '@libs/suppliers';
import type { Logger } from 'pino';
import type { ForwardRow, ForwardStore } from './forward-store';
import { forwardResultRequest, type LaneRequest } from './lane-requests';
import type { SupplierMetrics } from './supplier-metrics';

export interface ForwarderOptions {
  giveUpMs: number;
  checkMs: number;
  concurrency: number;
  /**
   * How long an attempt being worked on is left alone by other rounds (and instances): longer than any supplier
   * call may take, so one in flight is never placed twice at once; after a crash, how soon it is worked again.
   */
  leaseMs: number;
  /** Where suppliers post the final order of a `pending` answer; undefined: followed by getOrder alone. */
  callbackUrl?: (supplierId: string) => string;
  now?: () => number;
}

/** The order id a supplier sees for an attempt: derived, so placing it again is the same order there. */
export function supplierOrderIdOf(forwardId: string): string {
  return uuidV5(`supplier-order/${forwardId}`, EVENT_ID_NAMESPACE);
}

/** The vault unit id of the i-th key a supplier returned for an attempt: the same after a crash and a replay. */
export function supplierUnitIdOf(forwardId: string, i: number): string {
  return uuidV5(`supplier-key/${forwardId}/${i}`, EVENT_ID_NAMESPACE);
}

/**
 * 一键代发: places each attempt the inventory decided with its supplier and tells the inventory the answer. It is
 * the one writer to the suppliers. An attempt is recorded (ForwardStore) before its request's offset is committed
 * and placed under an id derived from it, so a crash, a repeated request or a retried call is still one order at
 * the supplier. An answer that settles nothing (a timeout, a 5xx, a rate limit) is looked at again — the same order
 * placed again, or queried while the supplier works on it — until the attempt's give-up time, when the inventory is
 * told `timeout` and moves the order to the next supplier. A fulfilment's keys are sealed in the vault before the
 * inventory hears of them, so a key is never allocated that cannot be revealed.
 */
export class Forwarder {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly store: ForwardStore,
    private readonly clients: ReadonlyMap<string, SupplierClient>,
    private readonly vault: CardVault,
    private readonly publish: (requests: LaneRequest[]) => Promise<void>,
    private readonly options: ForwarderOptions,
    private readonly logger: Logger,
    private readonly metrics?: SupplierMetrics,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The requests of a consumed batch: recorded, then worked on at once. */
  async onRequests(requests: readonly SupplierForwardRequested[]): Promise<void> {
    const rows = requests.map((r) => ({ ...r, supplierOrderId: supplierOrderIdOf(r.forwardId) }));
    await this.store.record(rows, this.now(), this.options.giveUpMs);
    this.wake();
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.checkMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs a round now, or right after the one running. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.rounds().finally(() => {
      this.running = undefined;
    });
  }

  /** Works every due attempt; resolves when none is left (for tests and shutdown). */
  async drain(): Promise<void> {
    this.wake();
    while (this.running) await this.running;
  }

  private async rounds(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.round();
      } catch (error) {
        this.logger.error({ err: error }, 'supplier forwarding round failed; trying again at the next check');
      }
    } while (this.again && !this.stopped);
  }

  private async round(): Promise<void> {
    const { concurrency } = this.options;
    for (;;) {
      const due = await this.store.claimDue(this.now(), concurrency, this.options.leaseMs);
      if (due.length === 0) return;
      await Promise.all(due.map((row) => this.work(row)));
      if (this.stopped) return;
    }
  }

  private async work(row: ForwardRow): Promise<void> {
    try {
      const client = this.clients.get(row.supplierId);
      if (client === undefined) return await this.answer(row, 'refused', 'SUPPLIER.NOT_CONFIGURED');
      // Never buy without knowing what it costs: the supplier has not reported a price for the product.
      if (row.expectedUnitPrice === null) return await this.answer(row, 'refused', 'SUPPLIER.PRICE_UNKNOWN');
      const topUp = row.topUp;
      // A top-up with no amount would credit whatever the supplier assumes: never placed.
      if (topUp !== null && topUp.amount === undefined && row.status !== 'pending')
        return await this.answer(row, 'refused', 'SUPPLIER.TOP_UP_AMOUNT_UNKNOWN');
      const started = process.hrtime.bigint();
      const outcome: OrderOutcome | OrderLookup =
        row.status === 'pending'
          ? await client.getOrder(row.supplierOrderId, { productId: row.productId, quantity: row.quantity })
          : await client.placeOrder({
              orderId: row.supplierOrderId,
              productId: row.productId,
              quantity: row.quantity,
              unitPrice: row.expectedUnitPrice,
              ...(topUp === null
                ? {}
                : {
                    topUp: {
                      account: topUp.account,
                      amount: topUp.amount as number,
                      ...(topUp.server === undefined ? {} : { server: topUp.server }),
                      ...(topUp.region === undefined ? {} : { region: topUp.region }),
                    },
                  }),
              ...(this.options.callbackUrl ? { callbackUrl: this.options.callbackUrl(row.supplierId) } : {}),
            });
      this.metrics?.calls.observe(
        { supplier: row.supplierId, call: row.status === 'pending' ? 'get_order' : 'place_order' },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      await this.settle(row, outcome);
    } catch (error) {
      // Our own failure (the vault, the database, the broker): nothing was answered; the lease runs out and the
      // attempt is worked again, placed under the same id.
      this.logger.error(
        { err: error, supplier: row.supplierId, forwardId: row.forwardId },
        'supplier forward not settled; trying again',
      );
    }
  }

  /** What the supplier said, or a callback brought: answer the inventory, or look again later. */
  async settle(row: ForwardRow, outcome: OrderOutcome | OrderLookup): Promise<void> {
    const now = this.now();
    switch (outcome.outcome) {
      case 'fulfilled':
        return this.fulfilled(row, outcome.order);
      case 'refused':
        if (outcome.settled) return this.answer(row, 'refused', outcome.code, outcome.order?.supplierOrderId);
        return this.later(row, 'placing', now, outcome.retryAfterMs);
      case 'pending':
        return this.later(row, 'pending', now);
      case 'not_found':
        // Not there (yet): place it again under the same id, which settles it either way.
        return this.later(row, 'placing', now);
      case 'unknown':
        this.metrics?.unknownAnswers.inc({ supplier: row.supplierId, cause: outcome.cause });
        return this.later(row, row.status === 'pending' ? 'pending' : 'placing', now, outcome.retryAfterMs);
    }
  }

  private async later(row: ForwardRow, status: 'placing' | 'pending', now: number, retryAfterMs = 0) {
    if (now >= row.giveUpAt) return this.answer(row, 'timeout', null);
    const next = Math.min(row.giveUpAt, now + Math.max(this.options.checkMs, retryAfterMs));
    await this.store.retryAt(row.forwardId, status, next);
  }

  private async fulfilled(row: ForwardRow, order: SupplierOrder): Promise<void> {
    const cards = order.cards ?? [];
    if (order.receipt !== undefined && cards.length === 0) return this.toppedUp(row, order, order.receipt);
    // Sealed first: the inventory allocates only keys the vault can reveal. The unit ids are derived from the
    // attempt, so sealing again after a crash stores nothing twice.
    const sealed = await this.vault.storeBatch(
      row.sku,
      cards.map((card, i) => ({ unitId: supplierUnitIdOf(row.forwardId, i), secret: card.secret.reveal() })),
    );
    // A key the SKU already had (sold before, by this supplier or another) keeps its fingerprint here: the
    // inventory refuses the fulfilment on it and moves the order on. A key the vault refused leaves the count
    // short, which the inventory refuses as well.
    const units = [...sealed.stored, ...sealed.duplicates]
      .map(({ unitId, fingerprint }) => ({ unitId, fingerprint }))
      .sort((a, b) => (a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0));
    await this.recordFulfilment(row, order, { units });
  }

  /** A top-up done: its receipt is the fulfilment (nothing to seal; the inventory checks it was a top-up order). */
  private async toppedUp(row: ForwardRow, order: SupplierOrder, receipt: TopUpReceipt): Promise<void> {
    const completedAt = receipt.completedAt === undefined ? NaN : Date.parse(receipt.completedAt);
    await this.recordFulfilment(row, order, {
      receipt: {
        reference: receipt.reference,
        ...(Number.isSafeInteger(completedAt) && completedAt >= 0 ? { completedAt } : {}),
      },
    });
  }

  /**
   * Tells the SKU what the supplier fulfilled (its keys, or a top-up's receipt), then records the attempt as
   * answered — or, for an attempt given up already, as fulfilled late (the inventory records it as surplus).
   */
  private async recordFulfilment(
    row: ForwardRow,
    order: SupplierOrder,
    fulfilment: Pick<RecordForwardResult['data'], 'units' | 'receipt'>,
  ): Promise<void> {
    const late = row.status === 'answered';
    const now = this.now();
    await this.publish([
      forwardResultRequest(
        row.sku,
        row.forwardId,
        {
          channel: row.channel,
          channelOrderId: row.channelOrderId,
          attempt: row.attempt,
          supplierId: row.supplierId,
          outcome: 'fulfilled',
          supplierOrderId: order.supplierOrderId,
          ...fulfilment,
        },
        now,
        late,
      ),
    ]);
    this.metrics?.forwards.inc({ supplier: row.supplierId, outcome: late ? 'late_fulfilled' : 'fulfilled' });
    if (late) await this.store.lateFulfilment(row.forwardId, order.supplierOrderId, now);
    else await this.store.answered(row.forwardId, 'fulfilled', null, order.supplierOrderId, now);
  }

  private async answer(
    row: ForwardRow,
    outcome: 'refused' | 'timeout',
    code: string | null,
    supplierRef?: string,
  ): Promise<void> {
    const now = this.now();
    await this.publish([
      forwardResultRequest(
        row.sku,
        row.forwardId,
        {
          channel: row.channel,
          channelOrderId: row.channelOrderId,
          attempt: row.attempt,
          supplierId: row.supplierId,
          outcome,
          ...(code === null ? {} : { code }),
        },
        now,
      ),
    ]);
    this.metrics?.forwards.inc({ supplier: row.supplierId, outcome });
    await this.store.answered(row.forwardId, outcome, code, supplierRef ?? null, now);
  }
}
