import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER } from '@libs/observability';
import { CronJob } from 'cron';
import type { Logger } from 'pino';
import { ConfiguredSuppliers } from '../supply/configured-suppliers';
import { CatalogueSyncConfig } from './catalogue-sync.config';
import { CatalogueSyncs } from './catalogue-syncs.service';

/** The actor of scheduled syncs (and of their applies with CATALOGUE_SYNC_AUTO_APPLY). */
export const SCHEDULE_ACTOR = 'catalogue-sync-schedule';

/**
 * CATALOGUE_SYNC_SCHEDULE: a preview of every supplier's catalogue, one supplier after the other, stored like an
 * operator's and applied whole only with CATALOGUE_SYNC_AUTO_APPLY=true. A cron job of the `cron` package (what
 * @nestjs/schedule runs underneath), owned here: the API has one job and no other use for the schedule module.
 * Every API instance with the variable runs it; set it on one.
 */
@Injectable()
export class CatalogueSyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private job?: CronJob;
  private running?: Promise<void>;

  constructor(
    private readonly config: CatalogueSyncConfig,
    private readonly suppliers: ConfiguredSuppliers,
    private readonly syncs: CatalogueSyncs,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.schedule) return;
    if (this.suppliers.ids().length === 0)
      this.logger.warn('CATALOGUE_SYNC_SCHEDULE is set but SUPPLIERS names no supplier: nothing to sync');
    this.job = new CronJob(this.config.schedule, () => {
      void this.runOnce();
    });
    this.job.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.job?.stop();
    await this.running;
  }

  /** One scheduled round (a tick while the previous round still runs is skipped). Never throws. */
  runOnce(): Promise<void> {
    if (this.running) {
      this.logger.warn('catalogue sync schedule: the previous round is still running; this tick is skipped');
      return this.running;
    }
    this.running = this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    for (const supplierId of this.suppliers.ids()) {
      try {
        const sync = await this.syncs.preview({ supplierId, actor: SCHEDULE_ACTOR, source: 'schedule' });
        if (!this.config.autoApply) continue;
        await this.syncs.apply(sync.syncId, { actor: SCHEDULE_ACTOR });
      } catch (error) {
        // A job: a failure is logged and the next supplier still runs; the next tick tries again.
        const { code, message } = error as { code?: string; message?: string };
        this.logger.warn({ supplierId, code, err: message }, 'scheduled catalogue sync failed');
      }
    }
  }
}
