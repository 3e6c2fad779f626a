import { createHash } from 'node:crypto';
import { InMemoryEventStore } from '@libs/event-store';
import { orderKey, type InventoryCommand } from '@libs/inventory';
import {
  ChannelEventProcessor,
  createInventoryBatchHandler,
  ReservationExpirySweeper,
  skuStreamId,
  type InventoryBatchHandler,
} from '@libs/inventory-application';
import {
  ChannelEventsTopic,
  DeadLettersTopic,
  InMemoryMessageBus,
  OrderOutcomesTopic,
  silentLogger,
  type AnyTopic,
  type MessageBatch,
  type MessageBus,
  type OutgoingMessage,
  type PublishReceipt,
} from '@libs/messaging';
import { storeHistory } from '../history/from-events';
import { checkHistory, type ObservedHistory, type Violation } from '../history/oracle';
import { DeliveryWorker, InMemoryDeliveryLedger, SimulatedPlatforms } from './delivery-model';
import { FaultyEventStore, StoreOutageError } from './faulty-event-store';
import { Prng, VirtualClock } from './prng';

/** A deliberately broken component, to prove that the oracle notices. */
export type BrokenComponent =
  /** The store ignores expected versions: a writer that lost a race is never told to decide again. */
  | 'store-without-version-check'
  /** The consumer commits a batch it crashed on before processing (auto-commit before the work is done). */
  | 'consumer-commits-before-processing';

export interface SimulationOptions {
  seed: number;
  broken?: BrokenComponent;
}

export interface SimulationStats {
  notices: number;
  batches: number;
  crashes: number;
  outageCalls: number;
  secondWrites: number;
  conflicts: number;
  deadLetters: number;
  delivered: number;
  lostBatches: number;
}

export interface SimulationResult {
  seed: number;
  violations: Violation[];
  history: ObservedHistory;
  stats: SimulationStats;
  /** Digest of everything the run stored and delivered: equal for two runs of one seed. */
  fingerprint: string;
}

const CHANNELS = ['taobao', 'pinduoduo', 'shop', 'miniprogram'] as const;
const START = Date.UTC(2026, 10, 1);

/** Per-seed fault intensities: some seeds are calm, some are storms. */
interface Intensity {
  duplicate: number;
  duplicateNewId: number;
  reorder: number;
  crash: number;
  outageStart: number;
  secondWriter: number;
  platformFailure: number;
  workerCrash: number;
}

interface Notice {
  order: SimOrder;
  message: OutgoingMessage<typeof ChannelEventsTopic>;
}

interface SimOrder {
  channel: string;
  orderId: string;
  sku: string;
  quantity: number;
  /** How long the platform holds an unpaid order, from the moment the placement is sent. */
  holdMs: number;
  notices: Notice[];
  paidSent: boolean;
}

type ChannelMessage = OutgoingMessage<typeof ChannelEventsTopic>;

/** The in-memory bus, noting the last offset written to each partition (dead letters included). */
class ObservedBus extends InMemoryMessageBus {
  readonly lastOffset = new Map<string, number>();

  override async publish<D extends AnyTopic>(topic: D, messages: readonly OutgoingMessage<D>[]): Promise<PublishReceipt[]> {
    const receipts = await super.publish(topic, messages);
    for (const r of receipts) {
      const key = `${r.topic}#${r.partition}`;
      this.lastOffset.set(key, Math.max(this.lastOffset.get(key) ?? -1, Number(r.offset)));
    }
    return receipts;
  }
}

class Crash extends Error {
  /** The bus redelivers the batch, as Kafka does to the next consumer after a crash. */
  readonly retryable = true;

  constructor(where: string) {
    super(`consumer crashed ${where}`);
    this.name = 'Crash';
  }
}

/**
 * One seeded run: platforms send order notices (with duplicates, redeliveries and the reorderings a platform
 * can produce), the production consumer path (ChannelEventProcessor → BatchCommandHandler → decider → event
 * store, answers on stock.order-outcomes) processes them through the in-memory bus, while the scheduler crashes
 * consumers between append and commit, takes the store down for a while, lets a second writer append to the
 * same SKU streams, and runs the expiry sweeper and card-key delivery workers. The oracle then judges what the
 * store, the bus and the platforms hold.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const sim = new Simulation(options);
  return sim.run();
}

class Simulation {
  private readonly prng: Prng;
  private readonly faultPrng: Prng;
  private readonly clock = new VirtualClock(START);
  private readonly inner = new InMemoryEventStore();
  private readonly store: FaultyEventStore;
  private readonly bus: ObservedBus;
  private readonly ledger: InMemoryDeliveryLedger;
  private readonly platforms = new SimulatedPlatforms();
  private readonly workers: DeliveryWorker[] = [];
  private readonly intensity: Intensity;
  private readonly stats: SimulationStats = {
    notices: 0,
    batches: 0,
    crashes: 0,
    outageCalls: 0,
    secondWrites: 0,
    conflicts: 0,
    deadLetters: 0,
    delivered: 0,
    lostBatches: 0,
  };
  private readonly handled = new Map<string, number>();
  private readonly outcomes = new Map<string, ObservedHistory['outcomes'][number]>();
  private readonly loopUnits = new Set<string>();
  private readonly orders: SimOrder[] = [];
  private readonly skus: { sku: string; kind: 'quantity' | 'cardKey' | 'unlimited' }[] = [];
  private readonly posOrders: { sku: string; orderId: string }[] = [];
  private consumer!: { processor: ChannelEventProcessor };
  private outageLeft = 0;
  private inSecondWrite = false;
  private secondWriter!: InventoryBatchHandler;
  private sweeper!: ReservationExpirySweeper;
  private restocks = 0;

  constructor(private readonly options: SimulationOptions) {
    this.prng = new Prng(options.seed);
    // Faults draw from their own stream, so a fault decision never shifts the traffic that follows it.
    this.faultPrng = this.prng.fork(1);
    const p = this.prng;
    this.intensity = {
      duplicate: p.next() * 0.3,
      duplicateNewId: p.next() * 0.15,
      reorder: p.next() * 0.3,
      crash: p.next() * 0.25,
      outageStart: p.next() * 0.04,
      secondWriter: p.next() * 0.2,
      platformFailure: p.next() * 0.2,
      workerCrash: p.next() * 0.2,
    };
    this.store = new FaultyEventStore(
      this.inner,
      { beforeCall: (op) => this.beforeStoreCall(op), beforeAppend: (ids) => this.beforeAppend(ids) },
      { dropVersionCheck: options.broken === 'store-without-version-check' },
    );
    this.bus = new ObservedBus({
      source: 'simulation',
      logger: silentLogger,
      partitions: { channelEvents: 3, orderOutcomes: 2, deadLetters: 1 },
      // No wall-clock waits: a retry runs on the next timer tick.
      handlerRetry: { maxAttempts: 5, initialBackoffMs: 0, maxBackoffMs: 0 },
    });
    this.ledger = new InMemoryDeliveryLedger(this.clock.now);
  }

  async run(): Promise<SimulationResult> {
    await this.setUp();
    try {
      await this.drive();
      await this.finish();
    } finally {
      await this.bus.stop();
    }
    const history = this.observe();
    return { seed: this.options.seed, violations: checkHistory(history), history, stats: this.stats, fingerprint: this.fingerprint() };
  }

  // ---- set-up -------------------------------------------------------------------------------------------

  private async setUp(): Promise<void> {
    const p = this.prng;
    const admin = createInventoryBatchHandler(this.inner, { cachedSkus: 0 });
    const skuCount = p.int(1, 3);
    for (let i = 0; i < skuCount; i++) {
      const roll = p.next();
      const kind = roll < 0.5 ? 'quantity' : roll < 0.9 ? 'cardKey' : 'unlimited';
      this.skus.push({ sku: `sku-${i}`, kind });
    }
    await admin.handleBatch(
      this.skus.map(({ sku, kind }) => ({
        streamId: skuStreamId(sku),
        command: { type: 'RegisterSku', data: { sku, now: this.clock.now(), actor: 'simulation', kind } } as InventoryCommand,
        commandId: `register-${sku}`,
      })),
    );
    // A second process writing to the same streams: the API or another consumer, through its own handler.
    this.secondWriter = createInventoryBatchHandler(this.inner, { retryBackoffMs: 0 });
    const everySku = { query: async () => ({ rows: this.skus.map(({ sku }) => ({ sku })) }) };
    this.sweeper = new ReservationExpirySweeper(
      everySku as never,
      createInventoryBatchHandler(this.store, { retryBackoffMs: 0 }),
      { intervalMs: 1_000 },
      this.clock.now,
    );

    this.startConsumer();
    await this.bus.subscribe(ChannelEventsTopic, 'inventory', (batch) => this.consume(batch));
    await this.bus.subscribe(OrderOutcomesTopic, 'connectors', async (batch) => this.collectOutcomes(batch));
    await this.bus.subscribe(DeadLettersTopic, 'operators', async (batch) => {
      for (const { envelope } of batch.messages) {
        this.stats.deadLetters += 1;
        const d = envelope.payload;
        this.markHandled(d.sourceTopic, d.sourcePartition, Number(d.sourceOffset));
      }
      this.markBatch(batch);
    });
    await this.bus.start();
    for (const c of CHANNELS.slice(0, 2)) {
      this.workers.push(this.worker(c), this.worker(c));
    }
    for (const c of CHANNELS.slice(2)) this.workers.push(this.worker(c));

    for (const { sku, kind } of this.skus) if (kind !== 'unlimited') await this.publish([this.restock(sku, kind)]);
    const orderCount = p.int(4, 20);
    for (let i = 0; i < orderCount; i++) this.orders.push(this.order(i));
    await this.drain();
  }

  private worker(channel: string): DeliveryWorker {
    return new DeliveryWorker(channel, this.ledger, this.platforms, { leaseMs: 10_000, maxAttempts: 1_000, retryInMs: 1_000 });
  }

  private restock(sku: string, kind: 'quantity' | 'cardKey' | 'unlimited'): ChannelMessage {
    const batchId = `batch-${++this.restocks}`;
    const p = this.prng;
    if (kind === 'quantity') {
      return { type: 'stock.restocked', eventId: `restock-${batchId}`, payload: { sku, batchId, quantity: p.int(1, 6) } };
    }
    const units = Array.from({ length: p.int(1, 5) }, (_, i) => ({
      unitId: `${sku}-${batchId}-k${i}`,
      fingerprint: `fp-${sku}-${batchId}-${i}`,
    }));
    if (p.chance(0.2)) {
      const unitId = `${sku}-${batchId}-loop`;
      this.loopUnits.add(unitId);
      units.push({ unitId, fingerprint: `fp-${unitId}`, loop: true } as (typeof units)[number]);
    }
    return { type: 'stock.restocked', eventId: `restock-${batchId}`, payload: { sku, batchId, units } };
  }

  /** An order's notices as its platform would send them: placed, then paid or cancelled or nothing. */
  private order(i: number): SimOrder {
    const p = this.prng;
    const channel = p.pick(CHANNELS);
    const { sku } = p.pick(this.skus);
    const order: SimOrder = {
      channel,
      orderId: `o${i}`,
      sku,
      quantity: p.int(1, 3),
      holdMs: p.int(5, 120) * 1_000,
      notices: [],
      paidSent: false,
    };
    const base = { channel, channelOrderId: order.orderId, sku };
    const id = (type: string) => `${channel}-${order.orderId}-${type}`;
    const placed: ChannelMessage = {
      type: 'order.placed',
      eventId: id('placed'),
      payload: { ...base, lines: [{ quantity: order.quantity }], expiresAt: '' },
    };
    const fate = p.next();
    const notices: ChannelMessage[] = [placed];
    if (fate < 0.6) notices.push({ type: 'order.paid', eventId: id('paid'), payload: base });
    else if (fate < 0.8) notices.push({ type: 'order.cancelled', eventId: id('cancelled'), payload: base });
    // The platform's own reordering: the payment (or cancellation) notice overtakes the placement.
    if (notices.length === 2 && p.chance(this.intensity.reorder)) notices.reverse();
    order.notices = notices.map((message) => ({ order, message }));
    return order;
  }

  // ---- the run ------------------------------------------------------------------------------------------

  private async drive(): Promise<void> {
    const p = this.prng;
    const steps = p.int(20, 60);
    for (let step = 0; step < steps; step++) {
      const roll = p.next();
      if (roll < 0.45) await this.sendSome(p.int(1, 4));
      else if (roll < 0.6) this.clock.advance(p.int(0, 20) * 1_000);
      else if (roll < 0.7) await this.sweep();
      else if (roll < 0.85) this.deliverStep();
      else if (roll < 0.88) {
        const { sku, kind } = p.pick(this.skus);
        if (kind !== 'unlimited') await this.publish([this.restock(sku, kind)]);
      } else await this.drain();
    }
  }

  private async finish(): Promise<void> {
    while (this.orders.some((o) => o.notices.length > 0)) await this.sendSome(4);
    await this.drain();
    // Past every deadline and lease: what is held expires, what is claimed can be claimed again.
    this.clock.advance(3_600_000);
    this.outageLeft = 0;
    await this.sweep();
    for (let round = 0; round < 50 && this.ledger.undelivered() > 0; round++) {
      for (const w of this.workers) for (let k = 0; k < 20; k++) w.step(false);
      this.clock.advance(60_000);
    }
  }

  /** Sends the next notices of random orders; a notice may go twice (same id, or a platform retry with a new id). */
  private async sendSome(count: number): Promise<void> {
    const p = this.prng;
    const batch: ChannelMessage[] = [];
    for (let i = 0; i < count; i++) {
      const open = this.orders.filter((o) => o.notices.length > 0);
      if (open.length === 0) break;
      const notice = this.stamp(p.pick(open).notices.shift()!);
      batch.push(notice.message);
      if (notice.message.type === 'order.paid') notice.order.paidSent = true;
      if (p.chance(this.intensity.duplicate)) batch.push(notice.message);
      if (p.chance(this.intensity.duplicateNewId)) batch.push({ ...notice.message, eventId: `${notice.message.eventId}-resent` });
    }
    await this.publish(batch);
  }

  /** A notice happens when it is sent: its time, and a placement's deadline, come from the virtual clock. */
  private stamp(notice: Notice): Notice {
    const now = this.clock.now();
    const message = { ...notice.message, occurredAt: new Date(now).toISOString() } as ChannelMessage;
    if (message.type === 'order.placed') {
      message.payload = { ...message.payload, expiresAt: new Date(now + notice.order.holdMs).toISOString() };
    }
    return { order: notice.order, message };
  }

  private async publish(messages: ChannelMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.stats.notices += messages.length;
    // Nothing may carry the wall clock: a message without a time gets the virtual one.
    const at = new Date(this.clock.now()).toISOString();
    await this.bus.publish(ChannelEventsTopic, messages.map((m) => ({ ...m, occurredAt: m.occurredAt ?? at })));
  }

  private async sweep(): Promise<void> {
    // The sweeper is a second writer of the SKU streams; it starts from a settled bus so runs stay replayable.
    await this.drain();
    try {
      await this.sweeper.sweepOnce();
    } catch (err) {
      // In production the next interval tries again; so does the next sweep here.
      if (!(err instanceof StoreOutageError) && (err as Error).name !== 'ConflictRetriesExhaustedError') throw err;
    }
  }

  private deliverStep(): void {
    const w = this.prng.pick(this.workers);
    if (this.faultPrng.chance(this.intensity.platformFailure)) this.platforms.failuresLeft += 1;
    w.step(this.faultPrng.chance(this.intensity.workerCrash));
    // A stalled worker: its lease may run out while another claims the same rows.
    this.clock.advance(this.prng.int(0, 4) * 1_000);
  }

  // ---- the production consumer, with crashes --------------------------------------------------------------

  private startConsumer(): void {
    const handler = createInventoryBatchHandler(this.store, { retryBackoffMs: 0 });
    const publisher = {
      publish: async (topic: AnyTopic, messages: readonly OutgoingMessage<AnyTopic>[]) => {
        // A crash between the append and the answers: the redelivery must answer from what was stored.
        if (this.faultPrng.chance(this.intensity.crash / 2)) this.crash('between append and publish');
        return this.bus.publish(topic, messages);
      },
    } as unknown as MessageBus;
    this.consumer = { processor: new ChannelEventProcessor(handler, publisher, this.clock.now) };
  }

  /** A crash: the process is gone with its state cache; the next one starts empty and gets the batch again. */
  private crash(where: string): never {
    this.stats.crashes += 1;
    this.startConsumer();
    throw new Crash(where);
  }

  private async consume(batch: MessageBatch<typeof ChannelEventsTopic>): Promise<void> {
    this.stats.batches += 1;
    if (this.options.broken === 'consumer-commits-before-processing' && this.faultPrng.chance(this.intensity.crash)) {
      // The broken consumer committed on receipt and then died: the batch is never processed.
      this.stats.lostBatches += 1;
      this.startConsumer();
      this.markBatch(batch);
      return;
    }
    await this.consumer.processor.handle(batch);
    // A crash after the answers went out and before the offsets were committed.
    if (this.faultPrng.chance(this.intensity.crash / 2)) this.crash('before the offset commit');
    this.markBatch(batch);
  }

  private collectOutcomes(batch: MessageBatch<typeof OrderOutcomesTopic>): void {
    for (const { envelope } of batch.messages) {
      const p = envelope.payload;
      this.outcomes.set(envelope.eventId, {
        orderKey: orderKey(p.channel, p.channelOrderId),
        sku: p.sku,
        type: envelope.type,
        answersType: 'answers' in p ? p.answers : undefined,
      });
      if (envelope.type === 'card-keys.allocated') {
        // Loop keys come as counted pairs (loopUnits) or, in the older shape, repeated inside unitIds.
        const counted = ((envelope.payload as { loopUnits?: { unitId: string; count: number }[] }).loopUnits ?? []).map(
          (u) => ({ unitId: u.unitId, count: u.count, loop: true }),
        );
        const listed = envelope.payload.unitIds.map((unitId) => ({ unitId, count: 1, loop: this.loopUnits.has(unitId) }));
        const units = [...listed, ...counted];
        this.ledger.recordAllocation(p.channel, p.channelOrderId, p.sku, units);
      }
    }
    this.markBatch(batch);
  }

  // ---- faults in the store ------------------------------------------------------------------------------

  private beforeStoreCall(operation: string): void {
    if (this.inSecondWrite) return;
    if (this.outageLeft === 0 && operation !== 'saveSnapshot' && this.faultPrng.chance(this.intensity.outageStart)) {
      // Mostly blips; sometimes the store stays away for a long while (many retries of the same batch).
      this.outageLeft = this.faultPrng.chance(0.25) ? this.faultPrng.int(20, 80) : this.faultPrng.int(1, 5);
    }
    if (this.outageLeft > 0) {
      this.outageLeft -= 1;
      this.stats.outageCalls += 1;
      throw new StoreOutageError();
    }
  }

  /** Another writer appends to one of the streams first: the handler's append then conflicts and is decided again. */
  private async beforeAppend(streamIds: readonly string[]): Promise<void> {
    if (this.inSecondWrite || streamIds.length === 0 || !this.faultPrng.chance(this.intensity.secondWriter)) return;
    const fp = this.faultPrng;
    const streamId = fp.pick(streamIds);
    const sku = streamId.replace(/^sku-/, '');
    const now = this.clock.now();
    const mine = this.posOrders.filter((o) => o.sku === sku);
    const roll = fp.next();
    let command: InventoryCommand;
    if (mine.length === 0 || roll < 0.6) {
      const orderId = `pos${this.posOrders.length}`;
      this.posOrders.push({ sku, orderId });
      command = {
        type: 'ReserveStock',
        data: { sku, now, actor: 'pos', channel: 'pos', channelOrderId: orderId, lines: [{ quantity: 1 }], expiresAt: now + 60_000 },
      };
    } else {
      const { orderId } = fp.pick(mine);
      const type = roll < 0.85 ? 'ConfirmReservation' : 'ReleaseReservation';
      command = { type, data: { sku, now, actor: 'pos', channel: 'pos', channelOrderId: orderId } } as InventoryCommand;
    }
    this.inSecondWrite = true;
    try {
      const result = await this.secondWriter.handleBatch([
        { streamId, command, commandId: `second-${this.stats.secondWrites}-${command.type}` },
      ]);
      this.stats.secondWrites += 1;
      if (result.items.some((i) => i.recorded.length > 0)) this.stats.conflicts += 1;
    } finally {
      this.inSecondWrite = false;
    }
  }

  // ---- settling and judging -----------------------------------------------------------------------------

  private markBatch(batch: MessageBatch<AnyTopic>): void {
    const last = batch.messages[batch.messages.length - 1];
    if (last) this.markHandled(batch.topicName, batch.partition, Number(last.offset));
  }

  private markHandled(topicName: string, partition: number, offset: number): void {
    const key = `${topicName}#${partition}`;
    this.handled.set(key, Math.max(this.handled.get(key) ?? -1, offset));
  }

  /** Lets every consumer catch up with everything published so far (dead letters count as handled). */
  private async drain(): Promise<void> {
    for (let spins = 0; ; spins++) {
      let behind = false;
      for (const [key, last] of this.bus.lastOffset) if ((this.handled.get(key) ?? -1) < last) behind = true;
      if (!behind) return;
      if (spins > 200_000) throw new Error(`seed ${this.options.seed}: consumers did not catch up`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private observe(): ObservedHistory {
    const fromStore = storeHistory(this.inner.events);
    const paidOrdersSent = this.orders
      .filter((o) => o.paidSent)
      .map((o) => ({ channel: o.channel, orderId: o.orderId, orderKey: orderKey(o.channel, o.orderId), sku: o.sku, quantity: o.quantity }));
    const deliveries = this.platforms.received.map((d) => ({ ...d, orderKey: orderKey(d.channel, d.orderId) }));
    this.stats.delivered = deliveries.length;
    return { ...fromStore, outcomes: [...this.outcomes.values()], paidOrdersSent, deliveries, listings: [] };
  }

  private fingerprint(): string {
    const h = createHash('sha256');
    for (const e of this.inner.events) h.update(`${e.streamId}@${e.version} ${e.eventId} ${e.type} ${JSON.stringify(e.data)}\n`);
    for (const d of this.platforms.received) h.update(`${d.channel}/${d.orderId}/${d.unitId}\n`);
    h.update([...this.outcomes.keys()].sort().join(','));
    return h.digest('hex').slice(0, 16);
  }
}
