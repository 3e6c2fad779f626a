import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventStore } from '@libs/event-store';
import {
  ChannelEventProcessor,
  CommandBodies,
  createInventoryBatchHandler,
  InventoryMetrics,
  type InventoryBatchHandler,
  type LaneRequest,
  ReservationDeadlines,
  ReservationExpiryDriver,
  ReservationExpirySweeper,
} from '@libs/inventory-application';
import { ChannelEventsTopic, MessageBus } from '@libs/messaging';
import { LOGGER, MetricsRegistry } from '@libs/observability';
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

  constructor(
    store: EventStore,
    private readonly bus: MessageBus,
    private readonly config: InventoryServiceConfig,
    metricsRegistry: MetricsRegistry,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.metrics = new InventoryMetrics(metricsRegistry.registry);
    this.handler = createInventoryBatchHandler(store, {
      snapshotEvery: config.snapshotEvery,
      onSnapshotError: (err, streamId) => logger.warn({ err, streamId }, 'snapshot not saved'),
    });
    this.processor = new ChannelEventProcessor(this.handler, bus, Date.now, this.metrics, {
      bodies: new CommandBodies(pool),
      deadlines: this.deadlines,
    });
  }

  onModuleInit(): void {
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
  }

  // The lane's subscription is the bus transport's: it has stopped (its last batch committed) before this runs.
  async onApplicationShutdown(): Promise<void> {
    await this.driver?.stop();
    await this.sweeper?.stop();
    // Snapshots are written off the command path; the last ones still spare the next start a replay.
    await this.handler.snapshotsSettled();
  }
}
