import {
  ConflictException,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ServiceAuthConfig } from '@libs/config';
import { runMigrations } from '@libs/database';
import { EventStore } from '@libs/event-store';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { readModelMigrations } from '@libs/read-models';
import { AlertPublisher } from '@libs/messaging';
import {
  analystViewsMigrations,
  parseConnectorList,
  Reconciler,
  ReconciliationMetrics,
  reconciliationMigrations,
  type ReconciliationSummary,
} from '@libs/reconciliation';
import { channelsMigrations } from '@libs/channels';
import { reportsMigrations } from '@libs/reports';
import { PG_POOL } from '@libs/runtime';
import { CronJob } from 'cron';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { channelAccesses } from './channel-accesses';
import { reportDrift } from './drift-alerts';
import { ReconcilerConfig } from './reconciler.config';

/** Runs reconciliation on the configured schedule and on demand, one run at a time. */
@Injectable()
export class ReconciliationService implements OnApplicationBootstrap, OnModuleDestroy {
  private running?: Promise<ReconciliationSummary>;
  private readonly reconciler: Reconciler;
  private job?: CronJob;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly config: ReconcilerConfig,
    private readonly auth: ServiceAuthConfig,
    private readonly scheduler: SchedulerRegistry,
    metrics: MetricsRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly alerts: AlertPublisher,
  ) {
    this.reconciler = new Reconciler(
      pool,
      channelAccesses(config, auth),
      store,
      new ReconciliationMetrics(metrics.registry),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await runMigrations(this.pool, readModelMigrations);
    await runMigrations(this.pool, channelsMigrations);
    await runMigrations(this.pool, reconciliationMigrations);
    await runMigrations(this.pool, analystViewsMigrations);
    await runMigrations(this.pool, reportsMigrations);
    if (this.config.connectors.length === 0)
      this.logger.warn('RECONCILE_CONNECTORS is empty: runs compare no platform listing (truth check only)');
    else if (!this.auth.token)
      this.logger.warn('SERVICE_TOKEN is not set: every connector will answer 401 to the reconciler');
    this.job = new CronJob(this.config.cron, () => {
      this.start('schedule').catch((err) =>
        this.logger.error({ err: (err as Error).message }, 'scheduled reconciliation failed'),
      );
    });
    this.scheduler.addCronJob('reconciliation', this.job);
    this.job.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.job?.stop();
  }

  /** STOCK_DRIFT raised or resolved per channel, off the run's path: the run's report stays the record. */
  private reportDrift(runId: number): void {
    const channels = parseConnectorList(this.config.connectors).map((c) => c.channel);
    reportDrift(this.alerts, this.pool, runId, channels, this.config.truthCheck, new Date()).catch((err) =>
      this.logger.warn(
        { runId, err: (err as Error).message },
        'drift alerts not published; the run report has them',
      ),
    );
  }

  /** Starts a run unless one is going; resolves with its summary. */
  start(trigger: string): Promise<ReconciliationSummary> {
    if (this.running)
      throw new ConflictException({
        code: 'RECONCILIATION.ALREADY_RUNNING',
        message: 'a reconciliation is already running',
      });
    this.logger.info({ trigger }, 'reconciliation started');
    this.running = this.reconciler
      .run(trigger, {
        truthCheck: this.config.truthCheck,
        pageSize: this.config.pageSize,
        onProgress: (p) => this.logger.info(p, 'reconciliation progress'),
      })
      .then((summary) => {
        this.logger.info(summary, 'reconciliation finished');
        this.reportDrift(summary.runId);
        return summary;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
