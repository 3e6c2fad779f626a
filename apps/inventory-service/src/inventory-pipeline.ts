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
import { ChannelEventsTopic, MessageBus, type Subscription } from '@libs/messaging';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { InventoryServiceConfig } from './inventory-service.config';

/**
 * The SKU lane's owner: decides every command of the SKUs whose partitions this instance holds (channel events,
 * the operations API's commands, expiries), and drives reservation expiry from the states it decided.
 */
@Injectable()
export class InventoryPipeline implements OnModuleInit, OnApplicationShutdown {
  private subscription?: Subscription;
  private driver?: ReservationExpiryDriver;
  private sweeper?: ReservationExpirySweeper;
  private handler?: InventoryBatchHandler;

  constructor(
    private readonly store: EventStore,
    private readonly bus: MessageBus,
    private readonly config: InventoryServiceConfig,
    private readonly metricsRegistry: MetricsRegistry,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const metrics = new InventoryMetrics(this.metricsRegistry.registry);
    const handler = (this.handler = createInventoryBatchHandler(this.store, {
      snapshotEvery: this.config.snapshotEvery,
      onSnapshotError: (err, streamId) => this.logger.warn({ err, streamId }, 'snapshot not saved'),
    }));
    const deadlines = new ReservationDeadlines();
    const processor = new ChannelEventProcessor(handler, this.bus, Date.now, metrics, {
      bodies: new CommandBodies(this.pool),
      deadlines,
    });
    this.subscription = await this.bus.subscribe(
      ChannelEventsTopic,
      this.config.consumerGroup,
      processor.handle,
    );
    const send = (requests: LaneRequest[]) => this.bus.publish(ChannelEventsTopic, requests);
    this.driver = new ReservationExpiryDriver(
      deadlines,
      send,
      {
        intervalMs: this.config.sweepIntervalMs,
        onError: (err) =>
          this.logger.warn({ err: (err as Error).message }, 'reservation expiry request failed'),
      },
      Date.now,
      metrics,
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
      metrics,
    );
    this.sweeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.driver?.stop();
    await this.sweeper?.stop();
    await this.subscription?.stop();
    // Snapshots are written off the command path; the last ones still spare the next start a replay.
    await this.handler?.snapshotsSettled();
  }
}
