import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { StreamStateCache } from '@libs/command-handling';
import { EventStoreConfig } from '@libs/config';
import { EventStore } from '@libs/event-store';
import type { InventoryState } from '@libs/inventory';
import {
  BooksCloser,
  ChannelEventProcessor,
  CommandBodies,
  createInventoryBatchHandler,
  InventoryMetrics,
  OrderRuleBook,
  type InventoryBatchHandler,
  type LaneRequest,
  ReservationDeadlines,
  ReservationExpiryDriver,
  ReservationExpirySweeper,
} from '@libs/inventory-application';
import { ChannelEventsTopic, MessageBus } from '@libs/messaging';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { PeriodicTask } from '@libs/resilience';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { InventoryServiceConfig } from './inventory-service.config';

/**
 * The SKU lane's owner: decides every command of the SKUs whose partitions this instance holds (channel events,
 * the operations API's commands, expiries; ChannelEventsController hands it the batches), and drives reservation
 * expiry from the states it decided.
 */
@Injectable()
export class InventoryPipeline implements OnModuleInit, OnApplicationShutdown {
  /** Decides a batch of the lane; made here, not at init, so it exists whenever the bus delivers. */
  readonly processor: ChannelEventProcessor;
  private readonly metrics: InventoryMetrics;
  private readonly deadlines = new ReservationDeadlines();
  private readonly handler: InventoryBatchHandler;
  private driver?: ReservationExpiryDriver;
  private sweeper?: ReservationExpirySweeper;
  /** The SKU states this owner holds between batches; the books closer looks through them. */
  private readonly cache = new StreamStateCache<InventoryState>(10_000);
  private booksClosing?: PeriodicTask;
  private readonly orderRules: OrderRuleBook;
  private orderRulesRefresh?: PeriodicTask;

  constructor(
    store: EventStore,
    private readonly bus: MessageBus,
    private readonly config: InventoryServiceConfig,
    metricsRegistry: MetricsRegistry,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly storeConfig: EventStoreConfig,
  ) {
    this.metrics = new InventoryMetrics(metricsRegistry.registry);
    this.handler = createInventoryBatchHandler(store, {
      snapshotEvery: config.snapshotEvery,
      cache: this.cache,
      onSnapshotError: (err, streamId) => logger.warn({ err, streamId }, 'snapshot not saved'),
      onRecall: (keys) => this.metrics.closedOrderLookups.inc(keys),
    });
    this.orderRules = new OrderRuleBook(pool);
    this.processor = new ChannelEventProcessor(this.handler, bus, Date.now, this.metrics, {
      bodies: new CommandBodies(pool),
      deadlines: this.deadlines,
      orderRules: this.orderRules,
    });
  }

  async onModuleInit(): Promise<void> {
    // The rules are read before the lane is consumed: the first placements are ruled on like the next ones.
    await this.refreshOrderRules();
    this.orderRulesRefresh = new PeriodicTask(() => this.refreshOrderRules(), {
      intervalMs: this.config.orderRulesRefreshMs,
      onError: (err) =>
        this.logger.error(
          { err: (err as Error).message },
          'order rules not read; the last rules read stay in force',
        ),
    });
    this.orderRulesRefresh.start();
    const send = (requests: LaneRequest[]) => this.bus.publish(ChannelEventsTopic, requests);
    this.driver = new ReservationExpiryDriver(
      this.deadlines,
      send,
      {
        intervalMs: this.config.sweepIntervalMs,
        onError: (err) =>
          this.logger.warn({ err: (err as Error).message }, 'reservation expiry request failed'),
      },
      Date.now,
      this.metrics,
    );
    this.driver.start();
    this.sweeper = new ReservationExpirySweeper(
      this.pool,
      send,
      {
        intervalMs: this.config.catchUpIntervalMs,
        graceMs: this.config.catchUpGraceMs,
        // The read models may not exist yet on a fresh database: the projector creates them.
        onError: (err) =>
          this.logger.warn({ err: (err as Error).message }, 'reservation catch-up sweep failed'),
      },
      Date.now,
      this.metrics,
    );
    this.sweeper.start();
    this.startBooksClosing(send);
  }

  private async refreshOrderRules(): Promise<void> {
    const { rules, skipped } = await this.orderRules.refresh();
    this.metrics.orderRules.set(rules);
    if (skipped > 0) this.logger.warn({ skipped }, 'order rules skipped as unusable');
  }

  /**
   * Closing the books needs an order's history to be found by its id without reading the SKU's stream: PostgreSQL
   * indexes it; on KurrentDB that lookup reads the whole stream, so there the books stay open (state grows).
   */
  private startBooksClosing(send: (requests: LaneRequest[]) => Promise<unknown>): void {
    if (this.storeConfig.store !== 'postgres') {
      this.logger.info({ store: this.storeConfig.store }, 'books are not closed on this event store');
      return;
    }
    const closer = new BooksCloser(
      this.cache,
      async (requests) => void (await send(requests)),
      { horizonMs: this.config.booksHorizonMs, minClosable: this.config.booksMinClosable },
      Date.now,
      this.metrics,
    );
    this.booksClosing = new PeriodicTask(() => closer.runOnce(), {
      intervalMs: this.config.booksCloseIntervalMs,
      onError: (err) => this.logger.warn({ err: (err as Error).message }, 'closing the books failed'),
    });
    this.booksClosing.start();
  }

  // The lane's subscription is the bus transport's: it has stopped (its last batch committed) before this runs.
  async onApplicationShutdown(): Promise<void> {
    await this.driver?.stop();
    await this.sweeper?.stop();
    await this.booksClosing?.stop();
    await this.orderRulesRefresh?.stop();
    // Snapshots are written off the command path; the last ones still spare the next start a replay.
    await this.handler.snapshotsSettled();
  }
}
