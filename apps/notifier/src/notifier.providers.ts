import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { runMigrations } from '@libs/database';
import {
  buildReceivers,
  Notifier,
  NotifierMetrics,
  notifierMigrations,
  parseQuietHours,
  parseRoutes,
} from '@libs/notifier';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { PeriodicTask } from '@libs/resilience';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { NotifierConfig } from './notifier.config';

const DAY_MS = 86_400_000;

export const notifierProvider: Provider = {
  provide: Notifier,
  useFactory: (pool: Pool, config: NotifierConfig, metrics: MetricsRegistry, logger: Logger) => {
    const receivers = buildReceivers({ ...config });
    const names = receivers.map((r) => r.name);
    // Both throw a stable code (NOTIFIER.ROUTE_*, NOTIFIER.QUIET_HOURS_FORMAT) and stop the boot.
    const routes = parseRoutes(config.routes, names);
    const quietHours = parseQuietHours(config.quietHours, config.timeZone);
    return new Notifier(pool, receivers, {
      routes,
      quietHours,
      remindAfterMs: config.remindAfterMs,
      maxAttempts: config.maxAttempts,
      sendRetry: { attempts: 3, initialMs: 250, maxMs: 2_000 },
      redeliveryBackoff: { initialMs: 5_000, maxMs: 15 * 60_000 },
      claimMs: Math.max(60_000, config.sendTimeoutMs * 5),
      batchSize: 100,
      retainMs: config.retentionDays * DAY_MS,
      metrics: new NotifierMetrics(metrics.registry, pool),
      // The error names the receiver and a code, never the URL (a robot's URL carries its key) or a secret.
      onSendFailure: (receiver, err, attempts, givenUp) =>
        logger[givenUp ? 'error' : 'warn'](
          { receiver, attempts, err: (err as Error).message },
          givenUp ? 'notification given up' : 'notification failed; it is tried again later',
        ),
    });
  },
  inject: [PG_POOL, NotifierConfig, MetricsRegistry, LOGGER],
};

/**
 * The notifier's tables exist before the bus starts delivering (onModuleInit runs before any module's
 * onApplicationBootstrap); the dispatcher, the reminders and the purge run in the background until shutdown.
 */
@Injectable()
export class NotifierLifecycle implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly dispatcher: PeriodicTask;
  private readonly reminders: PeriodicTask;
  private readonly purge: PeriodicTask;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly notifier: Notifier,
    config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const onError = (what: string) => (err: unknown) =>
      this.logger.warn({ err: (err as Error).message }, `notifier ${what} pass failed; it runs again`);
    this.dispatcher = new PeriodicTask(() => this.notifier.dispatch(), {
      intervalMs: config.dispatchIntervalMs,
      firstDelayMs: 0,
      onError: onError('dispatch'),
    });
    this.reminders = new PeriodicTask(() => this.notifier.remindDue().then(() => this.dispatchSoon()), {
      intervalMs: 60_000,
      onError: onError('reminder'),
    });
    this.purge = new PeriodicTask(() => this.notifier.purge(), {
      intervalMs: 3_600_000,
      onError: onError('purge'),
    });
  }

  async onModuleInit(): Promise<void> {
    await runMigrations(this.pool, notifierMigrations);
  }

  onApplicationBootstrap(): void {
    this.dispatcher.start();
    this.reminders.start();
    this.purge.start();
    const receivers = this.notifier.receiverNames;
    if (receivers.length === 0)
      this.logger.info('no receiver is configured (NOTIFIER_*_URL): alerts are recorded but sent nowhere');
    else this.logger.info({ receivers }, 'notifier started');
  }

  /** New messages were queued: send them now rather than at the next interval. */
  dispatchSoon(): void {
    this.dispatcher.runSoon();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.dispatcher.stop(), this.reminders.stop(), this.purge.stop()]);
    await this.notifier.close();
  }
}
