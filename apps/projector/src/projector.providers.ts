import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type Provider,
} from '@nestjs/common';
import { EventStore } from '@libs/event-store';
import { AlertPublisher, MessageBus } from '@libs/messaging';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { OutboxRelay } from './outbox-relay';
import { OutboxRelayMetrics } from './outbox-relay.metrics';
import { Projector } from './projector';
import { ProjectorConfig } from './projector.config';
import { projectorAlerts } from './projector.alerts';
import { ProjectorMetrics } from './projector.metrics';

export const projectorProviders: Provider[] = [
  {
    provide: Projector,
    useFactory: (
      pool: Pool,
      store: EventStore,
      config: ProjectorConfig,
      metrics: MetricsRegistry,
      logger: Logger,
      bus: MessageBus,
    ) => {
      const alerts = projectorAlerts(new AlertPublisher(bus), logger);
      return new Projector(pool, store, {
        batchSize: config.batchSize,
        pollIntervalMs: config.pollIntervalMs,
        stateSaveEvery: config.stateSaveEvery,
        cachedSkus: config.cachedSkus,
        maxStateBytes: config.maxStateBytes,
        quarantinePollMs: config.quarantinePollMs,
        metrics: new ProjectorMetrics(metrics.registry, pool),
        onError: (err, failures) =>
          logger.warn(
            { err: (err as Error).message, failures },
            'projection batch failed; it will be delivered again',
          ),
        onStockAlerts: alerts.onStockAlerts,
        onRelease: alerts.onRelease,
        onQuarantine: (failure) => {
          alerts.onQuarantine(failure);
          logger.error(
            {
              sku: failure.sku,
              version: failure.event.version,
              eventId: failure.event.eventId,
              eventType: failure.event.type,
              reason: failure.reason,
              detail: failure.detail,
            },
            'SKU set aside: an event of it cannot be projected; the other SKUs go on (see projection_quarantine)',
          );
        },
      });
    },
    inject: [PG_POOL, EventStore, ProjectorConfig, MetricsRegistry, LOGGER, MessageBus],
  },
  {
    provide: OutboxRelay,
    useFactory: (
      pool: Pool,
      bus: MessageBus,
      projector: Projector,
      config: ProjectorConfig,
      metrics: MetricsRegistry,
      logger: Logger,
    ) =>
      new OutboxRelay(pool, bus, {
        batchSize: config.relayBatchSize,
        pollIntervalMs: config.relayPollIntervalMs,
        maxRetryDelayMs: config.relayMaxRetryDelayMs,
        retainPublishedMs: config.outboxRetentionHours * 3_600_000,
        wake: projector.targetsWritten,
        metrics: new OutboxRelayMetrics(metrics.registry),
        onError: (err, failures) =>
          logger.warn(
            { err: (err as Error).message, failures },
            'channel targets not published yet; retrying',
          ),
      }),
    inject: [PG_POOL, MessageBus, Projector, ProjectorConfig, MetricsRegistry, LOGGER],
  },
];

/**
 * Starts projecting once the app is up, and stops in onModuleDestroy: that runs before the bus stops and the
 * pool closes, so the batch and the publish in progress finish against live connections.
 */
@Injectable()
export class ProjectorLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly projector: Projector,
    private readonly relay: OutboxRelay,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.projector.start();
    this.relay.start();
    this.logger.info({ checkpoint: this.projector.checkpoint }, 'projector started');
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
    await this.projector.stop();
  }
}
