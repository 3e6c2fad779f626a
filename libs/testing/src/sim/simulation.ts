import { createHash } from 'node:crypto';
import { CardKeyDeliverer, ChannelMetrics, type DeliveryLedger } from '@libs/channels';
import { InMemoryEventStore } from '@libs/event-store';
import { orderKey, type InventoryCommand } from '@libs/inventory';
import {
  ChannelEventProcessor,
  createInventoryBatchHandler,
  ReservationExpirySweeper,
  skuStreamId,
  type InventoryBatchHandler,
  type InventoryHandlerOptions,
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
import { Registry } from 'prom-client';
import { storeHistory } from '../history/from-events';
import { checkHistory, type ObservedHistory, type Violation } from '../history/oracle';
import { InMemoryDeliveryLedger, SimulatedPlatforms } from './delivery-model';
import { FaultyEventStore, OUTAGE_SHAPES, StoreOutageError } from './faulty-event-store';
import { Prng, VirtualClock } from './prng';
import { CHANNELS, PlatformTraffic } from './traffic';

/** A deliberately broken component, to prove that the oracle notices. */
export type BrokenComponent =
  /** The store ignores expected versions: a writer that lost a race is never told to decide again. */
  | 'store-without-version-check'
  /** The consumer commits a batch it crashed on before processing (auto-commit before the work is done). */
  | 'consumer-commits-before-processing'
  /** The consumer wraps store errors so the bus no longer sees them as transient: an outage dead-letters orders. */
  | 'outage-reported-as-bad-message';

export interface SimulationOptions {
  seed: number;
  broken?: BrokenComponent;
}

export interface SimulationStats {
  /** Channel events published, duplicates included. */
  notices: number;
  /** Calls of the channel-events handler, redeliveries and retries included. */
  batches: number;
  crashes: number;
  outageCalls: number;
  secondWrites: number;
  /** Second writes by a consumer that still thinks it owns the partition, on the batch in flight. */
  zombieWrites: number;
  /** Second writes that moved a stream under the consumer (its append then conflicts). */
  conflicts: number;
  deadLetters: number;
  delivered: number;
  lostBatches: number;
  /** Delivery calls that stalled past their lease while the other replica claimed the same keys. */
  stalls: number;
  /** Appends that committed while the writer was told they failed. */
  lostAcks: number;
}

export interface SimulationResult {
  seed: number;
  violations: Violation[];
  history: ObservedHistory;
  stats: SimulationStats;
  /** Digest of everything the run stored and delivered: equal for two runs of one seed. */
  fingerprint: string;
}

const START = Date.UTC(2026, 10, 1);
const LEASE_MS = 10_000;
/** One registry for every run: the deliverer's counters are not what the simulation judges. */
const METRICS = new Registry();

/** Per-seed fault intensities: some seeds are calm, some are storms. */
interface Intensity {
  crash: number;
  outageStart: number;
  secondWriter: number;
  platformFailure: number;
  /** A delivery call stalls past its lease while another replica claims the same keys. */
  deliveryStall: number;
  ledgerOutageStart: number;
  /** An append commits and its answer is lost (the connection dropped on the way back). */
  lostAck: number;
}

type ChannelMessage = OutgoingMessage<typeof ChannelEventsTopic>;

/** The in-memory bus, noting the last offset written to each partition (dead letters included). */
class ObservedBus extends InMemoryMessageBus {
  readonly lastOffset = new Map<string, number>();

  override async publish<D extends AnyTopic>(
    topic: D,
    messages: readonly OutgoingMessage<D>[],
  ): Promise<PublishReceipt[]> {
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
  private readonly deliverers = new Map<string, CardKeyDeliverer[]>();
  private readonly groups = new Map<string, string[]>();
  private ledgerOutageLeft = 0;
  private ledgerOutageShape: (typeof OUTAGE_SHAPES)[number] = OUTAGE_SHAPES[0];
  private stalling = false;
  /** The end of the run: no new faults start, so everything can settle. */
  private calm = false;
  private readonly intensity: Intensity;
  /** How this seed's handlers load state: snapshot interval, page size, cache; each path must give the same answers. */
  private readonly handlerOptions: InventoryHandlerOptions;
  private readonly stats: SimulationStats = {
    notices: 0,
    batches: 0,
    crashes: 0,
    outageCalls: 0,
    secondWrites: 0,
    zombieWrites: 0,
    conflicts: 0,
    deadLetters: 0,
    delivered: 0,
    lostBatches: 0,
    stalls: 0,
    lostAcks: 0,
  };
  private readonly handled = new Map<string, number>();
  /** Wakes a waiting drain when a consumer finished a batch. */
  private progress?: () => void;
  private readonly outcomes = new Map<string, ObservedHistory['outcomes'][number]>();
  private readonly traffic: PlatformTraffic;
  private readonly posOrders: { sku: string; orderId: string }[] = [];
  private consumer!: { processor: ChannelEventProcessor };
  private inFlight?: MessageBatch<typeof ChannelEventsTopic>;
  private outageLeft = 0;
  private outageShape: (typeof OUTAGE_SHAPES)[number] = OUTAGE_SHAPES[0];
  private inSecondWrite = false;
  private secondWriter!: InventoryBatchHandler;
  private sweeper!: ReservationExpirySweeper;

  constructor(private readonly options: SimulationOptions) {
    this.prng = new Prng(options.seed);
    // Faults draw from their own stream, so a fault decision never shifts the traffic that follows it.
    this.faultPrng = this.prng.fork(1);
    const p = this.prng;
    this.traffic = new PlatformTraffic(p, this.clock, {
      duplicate: p.next() * 0.3,
      duplicateNewId: p.next() * 0.15,
      reorder: p.next() * 0.3,
    });
    this.intensity = {
      crash: p.next() * 0.25,
      outageStart: p.next() * 0.04,
      secondWriter: p.next() * 0.2,
      platformFailure: p.next() * 0.2,
      deliveryStall: p.next() * 0.3,
      ledgerOutageStart: p.next() * 0.05,
      lostAck: p.next() * 0.05,
    };
    this.handlerOptions = {
      retryBackoffMs: 0,
      snapshotEvery: p.chance(0.3) ? 0 : p.int(2, 20),
      readPageSize: p.chance(0.2) ? p.int(2, 10) : 1_000,
      cachedSkus: p.chance(0.3) ? 0 : 100,
    };
    this.store = new FaultyEventStore(
      this.inner,
      {
        beforeCall: (op) => this.beforeStoreCall(op),
        beforeAppend: (ids) => this.beforeAppend(ids),
        afterAppend: () => this.afterAppend(),
      },
      { dropVersionCheck: options.broken === 'store-without-version-check' },
    );
    this.bus = new ObservedBus({
      source: 'simulation',
      logger: silentLogger,
      partitions: { channelEvents: 3, orderOutcomes: 2, deadLetters: 1 },
      // No wall-clock waits: a retry runs on the next timer tick.
      handlerRetry: { maxAttempts: 5, initialBackoffMs: 0, maxBackoffMs: 0 },
    });
    this.ledger = new InMemoryDeliveryLedger(this.clock.now, () => this.beforeLedgerCall());
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
    return {
      seed: this.options.seed,
      violations: checkHistory(history),
      history,
      stats: this.stats,
      fingerprint: this.fingerprint(),
    };
  }

  // ---- set-up -------------------------------------------------------------------------------------------

  private async setUp(): Promise<void> {
    const admin = createInventoryBatchHandler(this.inner, { cachedSkus: 0 });
    const skus = this.traffic.createSkus();
    await admin.handleBatch(
      skus.map(({ sku, kind }) => ({
        streamId: skuStreamId(sku),
        command: {
          type: 'RegisterSku',
          data: { sku, now: this.clock.now(), actor: 'simulation', kind },
        } as InventoryCommand,
        commandId: `register-${sku}`,
      })),
    );
    // A second process writing to the same streams: the API or another consumer, through its own handler.
    this.secondWriter = createInventoryBatchHandler(this.inner, this.handlerOptions);
    const everySku = { query: async () => ({ rows: skus.map(({ sku }) => ({ sku })) }) };
    // Expiry goes through the SKU lane, as in production: the sweep asks, the consumer decides.
    this.sweeper = new ReservationExpirySweeper(
      everySku as never,
      (requests) => this.bus.publish(ChannelEventsTopic, requests),
      { intervalMs: 1_000 },
      this.clock.now,
    );

    this.startConsumer();
    await this.track(ChannelEventsTopic, 'inventory', (batch) => this.consume(batch));
    await this.track(OrderOutcomesTopic, 'observer', async (batch) => this.collectOutcomes(batch));
    // Each connector: two replicas share the ledger; the first also consumes the outcomes, as the app does. The
    // connectors share one consumer group here (each takes only its channel's outcomes), which keeps runs fast.
    for (const channel of CHANNELS) {
      const replicas = [this.deliverer(channel), this.deliverer(channel)];
      // Stopped before it ever started: its own timer would run passes on the wall clock. Passes are the scheduler's.
      for (const d of replicas) await d.stop();
      this.deliverers.set(channel, replicas);
    }
    await this.track(OrderOutcomesTopic, 'connectors', async (batch) => {
      for (const replicas of this.deliverers.values()) await replicas[0]!.onOutcomes(batch);
    });
    await this.track(DeadLettersTopic, 'operators', async (batch) => {
      for (const { envelope } of batch.messages) {
        this.stats.deadLetters += 1;
        const d = envelope.payload;
        this.markHandled(d.consumerGroup, d.sourceTopic, d.sourcePartition, Number(d.sourceOffset));
      }
    });
    await this.bus.start();

    for (const { sku, kind } of skus)
      if (kind !== 'unlimited') await this.publish([this.traffic.restock(sku, kind)]);
    this.traffic.createOrders();
    await this.drain();
  }

  /** A subscription whose progress the drain can see. */
  private async track<D extends AnyTopic>(
    topic: D,
    group: string,
    handler: (batch: MessageBatch<D>) => Promise<void>,
  ): Promise<void> {
    const name = this.bus.topicName(topic);
    this.groups.set(name, [...(this.groups.get(name) ?? []), group]);
    await this.bus.subscribe(topic, group, async (batch) => {
      await handler(batch);
      const last = batch.messages[batch.messages.length - 1];
      if (last) this.markHandled(group, batch.topicName, batch.partition, Number(last.offset));
    });
  }

  /** The production deliverer over the in-memory ledger; passes are run by the scheduler, never by its timer. */
  private deliverer(channel: string): CardKeyDeliverer {
    return new CardKeyDeliverer(
      this.platforms.adapter(channel, () => this.duringDelivery(channel)),
      this.ledger as unknown as DeliveryLedger,
      { reveal: async (unitId) => `secret-of-${unitId}` },
      ChannelMetrics.for(METRICS),
      {
        pollMs: 1_000,
        // The lease is virtual time; the deliverer's renewal timer (a third of it, wall clock) never fires in a run.
        leaseMs: LEASE_MS,
        maxAttempts: 1_000,
        concurrency: this.prng.int(1, 3),
        // No jitter: a retry time drawn from Math.random would make a seed unrepeatable.
        backoff: { initialMs: 0, maxMs: 0 },
        alertAfterMs: 300_000,
      },
    );
  }

  // ---- the run ------------------------------------------------------------------------------------------

  private async drive(): Promise<void> {
    const p = this.prng;
    const steps = p.int(20, 60);
    for (let step = 0; step < steps; step++) {
      const roll = p.next();
      if (roll < 0.45) await this.publish(this.traffic.nextNotices(p.int(1, 4)));
      else if (roll < 0.6) this.clock.advance(p.int(0, 20) * 1_000);
      else if (roll < 0.7) await this.sweep();
      else if (roll < 0.85) await this.deliverStep();
      else if (roll < 0.88) await this.publish(this.traffic.someRestock());
      else if (roll < 0.91) await this.publish(this.traffic.someStockCount());
      else await this.drain();
    }
  }

  private async finish(): Promise<void> {
    while (this.traffic.hasUnsent()) await this.publish(this.traffic.nextNotices(4));
    await this.drain();
    // Past every deadline and lease: what is held expires, what is claimed can be claimed again.
    this.clock.advance(3_600_000);
    this.calm = true;
    this.outageLeft = 0;
    this.ledgerOutageLeft = 0;
    await this.sweep();
    for (let round = 0; round < 20 && this.ledger.pending() > 0; round++) {
      for (const replicas of this.deliverers.values()) for (const d of replicas) await this.deliveryPass(d);
      this.clock.advance(LEASE_MS + 1_000);
    }
  }

  private async publish(messages: ChannelMessage[]): Promise<void> {
    if (messages.length === 0) return;
    this.stats.notices += messages.length;
    // Nothing may carry the wall clock: a message without a time gets the virtual one.
    const at = new Date(this.clock.now()).toISOString();
    await this.bus.publish(
      ChannelEventsTopic,
      messages.map((m) => ({ ...m, occurredAt: m.occurredAt ?? at })),
    );
  }

  private async sweep(): Promise<void> {
    // The sweep starts from a settled bus so runs stay replayable; its requests are decided by the consumer.
    await this.drain();
    try {
      await this.sweeper.sweepOnce();
    } catch (err) {
      // In production the next interval tries again; so does the next sweep here.
      if (!(err instanceof StoreOutageError) && (err as Error).name !== 'ConflictRetriesExhaustedError')
        throw err;
    }
  }

  private async deliveryPass(deliverer: CardKeyDeliverer): Promise<void> {
    try {
      await deliverer.runOnce();
    } catch (err) {
      // The ledger's database went away mid-pass (the process may as well have died): rows stay claimed until
      // their lease runs out, as after a crash. The deliverer's own timer logs and runs the next pass.
      if (!(err instanceof StoreOutageError)) throw err;
    }
  }

  /** Inside a platform call: it may fail, or stall until the lease is gone and the other replica takes over. */
  private async duringDelivery(channel: string): Promise<void> {
    if (this.calm) return;
    const fp = this.faultPrng;
    if (fp.chance(this.intensity.platformFailure))
      throw Object.assign(new Error('platform answered 503'), { code: 'HTTP_503' });
    if (this.stalling || !fp.chance(this.intensity.deliveryStall)) return;
    this.stalling = true;
    try {
      this.stats.stalls += 1;
      this.clock.advance(LEASE_MS + 1_000);
      await this.deliveryPass(this.deliverers.get(channel)![1]!);
    } finally {
      this.stalling = false;
    }
  }

  private beforeLedgerCall(): void {
    if (this.calm) return;
    if (this.ledgerOutageLeft === 0 && this.faultPrng.chance(this.intensity.ledgerOutageStart)) {
      this.ledgerOutageLeft = this.faultPrng.int(1, 10);
      this.ledgerOutageShape = this.faultPrng.pick(OUTAGE_SHAPES);
    }
    if (this.ledgerOutageLeft > 0) {
      this.ledgerOutageLeft -= 1;
      this.stats.outageCalls += 1;
      throw new StoreOutageError(this.ledgerOutageShape);
    }
  }

  private async deliverStep(): Promise<void> {
    await this.drain();
    const replicas = this.deliverers.get(this.prng.pick(CHANNELS))!;
    await this.deliveryPass(this.prng.pick(replicas));
    this.clock.advance(this.prng.int(0, 4) * 1_000);
  }

  // ---- the production consumer, with crashes --------------------------------------------------------------

  private startConsumer(): void {
    const handler = createInventoryBatchHandler(this.store, this.handlerOptions);
    const publisher = {
      publish: async (topic: AnyTopic, messages: readonly OutgoingMessage<AnyTopic>[]) => {
        // A crash between the append and the answers, possibly after some of them went out (a producer batch is
        // not atomic): the redelivery must answer from what was stored, under the same message ids.
        if (this.faultPrng.chance(this.intensity.crash / 2)) {
          const sent = this.faultPrng.int(0, messages.length - 1);
          if (sent > 0) await this.bus.publish(topic, messages.slice(0, sent));
          this.crash('while publishing the answers');
        }
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
    if (
      this.options.broken === 'consumer-commits-before-processing' &&
      this.faultPrng.chance(this.intensity.crash)
    ) {
      // The broken consumer committed on receipt and then died: the batch is never processed.
      this.stats.lostBatches += 1;
      this.startConsumer();
      return;
    }
    this.inFlight = batch;
    try {
      await this.consumer.processor.handle(batch);
    } catch (err) {
      if (this.options.broken === 'outage-reported-as-bad-message' && err instanceof StoreOutageError) {
        throw new Error(`could not process the batch: ${err.message}`);
      }
      throw err;
    } finally {
      this.inFlight = undefined;
    }
    // A crash after the answers went out and before the offsets were committed.
    if (this.faultPrng.chance(this.intensity.crash / 2)) this.crash('before the offset commit');
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
    }
  }

  // ---- faults in the store ------------------------------------------------------------------------------

  private beforeStoreCall(operation: string): void {
    if (this.inSecondWrite) return;
    if (
      !this.calm &&
      this.outageLeft === 0 &&
      operation !== 'saveSnapshot' &&
      this.faultPrng.chance(this.intensity.outageStart)
    ) {
      // Mostly blips; sometimes the store stays away for a long while (many retries of the same batch).
      this.outageLeft = this.faultPrng.chance(0.25) ? this.faultPrng.int(12, 40) : this.faultPrng.int(1, 5);
      this.outageShape = this.faultPrng.pick(OUTAGE_SHAPES);
    }
    if (this.outageLeft > 0) {
      this.outageLeft -= 1;
      this.stats.outageCalls += 1;
      throw new StoreOutageError(this.outageShape);
    }
  }

  private afterAppend(): void {
    if (this.calm || this.inSecondWrite || !this.faultPrng.chance(this.intensity.lostAck)) return;
    this.stats.lostAcks += 1;
    throw new StoreOutageError(this.faultPrng.pick(OUTAGE_SHAPES));
  }

  /** Another writer appends to one of the streams first: the handler's append then conflicts and is decided again. */
  private async beforeAppend(streamIds: readonly string[]): Promise<void> {
    if (
      this.calm ||
      this.inSecondWrite ||
      streamIds.length === 0 ||
      !this.faultPrng.chance(this.intensity.secondWriter)
    )
      return;
    const fp = this.faultPrng;
    if (this.inFlight && fp.chance(0.5)) return this.zombieWrite(this.inFlight);
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
        data: {
          sku,
          now,
          actor: 'pos',
          channel: 'pos',
          channelOrderId: orderId,
          lines: [{ quantity: 1 }],
          expiresAt: now + 60_000,
        },
      };
    } else {
      const { orderId } = fp.pick(mine);
      const type = roll < 0.85 ? 'ConfirmReservation' : 'ReleaseReservation';
      command = {
        type,
        data: { sku, now, actor: 'pos', channel: 'pos', channelOrderId: orderId },
      } as InventoryCommand;
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

  /**
   * After a rebalance the old owner of a partition may still be working on the same records: it handles a prefix
   * of the batch in flight (its own batch boundaries) and answers too. The consumer's append then conflicts, and
   * its retry must find those commands already decided.
   */
  private async zombieWrite(batch: MessageBatch<typeof ChannelEventsTopic>): Promise<void> {
    const take = this.faultPrng.int(1, batch.messages.length);
    const zombie = new ChannelEventProcessor(
      createInventoryBatchHandler(this.inner, { ...this.handlerOptions, cachedSkus: 0 }),
      this.bus,
      this.clock.now,
    );
    this.inSecondWrite = true;
    const before = this.inner.events.length;
    try {
      await zombie.handle({ ...batch, messages: batch.messages.slice(0, take) });
      this.stats.zombieWrites += 1;
      if (this.inner.events.length > before) this.stats.conflicts += 1;
    } finally {
      this.inSecondWrite = false;
    }
  }

  // ---- settling and judging -----------------------------------------------------------------------------

  private markHandled(group: string, topicName: string, partition: number, offset: number): void {
    const key = `${group}|${topicName}#${partition}`;
    this.handled.set(key, Math.max(this.handled.get(key) ?? -1, offset));
    const wake = this.progress;
    this.progress = undefined;
    wake?.();
  }

  /** Lets every consumer catch up with everything published so far (dead letters count as handled). */
  private async drain(): Promise<void> {
    for (;;) {
      let behind = false;
      for (const [key, last] of this.bus.lastOffset) {
        const topicName = key.slice(0, key.lastIndexOf('#'));
        for (const group of this.groups.get(topicName) ?? [])
          if ((this.handled.get(`${group}|${key}`) ?? -1) < last) behind = true;
      }
      if (!behind) return;
      // Sleep until a consumer finishes a batch (no busy wait: retries sit on timers). The wall clock only guards
      // against a consumer that never gets there; it decides nothing.
      let watchdog: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve, reject) => {
        this.progress = resolve;
        watchdog = setTimeout(
          () => reject(new Error(`seed ${this.options.seed}: consumers did not catch up in 30 s`)),
          30_000,
        );
      }).finally(() => clearTimeout(watchdog));
    }
  }

  private observe(): ObservedHistory {
    const fromStore = storeHistory(this.inner.events);
    const paidOrdersSent = this.traffic.paidOrdersSent();
    const deliveries = this.platforms.received.map((d) => ({
      ...d,
      orderKey: orderKey(d.channel, d.orderId),
    }));
    this.stats.delivered = deliveries.length;
    return { ...fromStore, outcomes: [...this.outcomes.values()], paidOrdersSent, deliveries, listings: [] };
  }

  private fingerprint(): string {
    const h = createHash('sha256');
    for (const e of this.inner.events)
      h.update(`${e.streamId}@${e.version} ${e.eventId} ${e.type} ${JSON.stringify(e.data)}\n`);
    for (const d of this.platforms.received) h.update(`${d.channel}/${d.orderId}/${d.unitId}\n`);
    h.update([...this.outcomes.keys()].sort().join(','));
    return h.digest('hex').slice(0, 16);
  }
}
