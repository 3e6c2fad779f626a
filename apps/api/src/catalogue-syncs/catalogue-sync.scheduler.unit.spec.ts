import type { Logger } from 'pino';
import type { ConfiguredSuppliers } from '../supply/configured-suppliers';
import type { CatalogueSyncConfig } from './catalogue-sync.config';
import { CatalogueSyncScheduler, SCHEDULE_ACTOR } from './catalogue-sync.scheduler';
import type { CatalogueSyncs, PreviewRequest } from './catalogue-syncs.service';

/** Records what the scheduler asks; a supplier named in `failing` fails its preview. */
class FakeSyncs {
  readonly calls: string[] = [];
  constructor(private readonly failing: string[] = []) {}

  preview(request: PreviewRequest): Promise<{ syncId: string }> {
    this.calls.push(`preview ${request.supplierId} by ${request.actor} (${request.source})`);
    if (this.failing.includes(request.supplierId)) return Promise.reject(new Error('supplier down'));
    return Promise.resolve({ syncId: `sync-${request.supplierId}` });
  }

  apply(syncId: string, options: { actor: string }): Promise<void> {
    this.calls.push(`apply ${syncId} by ${options.actor}`);
    return Promise.resolve();
  }
}

const warnings: unknown[] = [];
const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;

function scheduler(options: { autoApply: boolean; failing?: string[] }) {
  const syncs = new FakeSyncs(options.failing);
  const config = { autoApply: options.autoApply } as CatalogueSyncConfig;
  const suppliers = { ids: () => ['main-a', 'main-b'] } as ConfiguredSuppliers;
  return {
    syncs,
    runner: new CatalogueSyncScheduler(config, suppliers, syncs as unknown as CatalogueSyncs, logger),
  };
}

describe('CatalogueSyncScheduler', () => {
  describe('given CATALOGUE_SYNC_AUTO_APPLY is false', () => {
    it('when a round runs, then every supplier is previewed and nothing is applied', async () => {
      const { syncs, runner } = scheduler({ autoApply: false });
      await runner.runOnce();
      expect(syncs.calls).toEqual([
        `preview main-a by ${SCHEDULE_ACTOR} (schedule)`,
        `preview main-b by ${SCHEDULE_ACTOR} (schedule)`,
      ]);
    });
  });

  describe('given CATALOGUE_SYNC_AUTO_APPLY is true', () => {
    it('when a round runs, then each preview is applied whole by the schedule', async () => {
      const { syncs, runner } = scheduler({ autoApply: true });
      await runner.runOnce();
      expect(syncs.calls).toEqual([
        `preview main-a by ${SCHEDULE_ACTOR} (schedule)`,
        `apply sync-main-a by ${SCHEDULE_ACTOR}`,
        `preview main-b by ${SCHEDULE_ACTOR} (schedule)`,
        `apply sync-main-b by ${SCHEDULE_ACTOR}`,
      ]);
    });
  });

  describe('given one supplier fails', () => {
    it('when a round runs, then it is logged, not applied, and the next supplier still runs', async () => {
      warnings.length = 0;
      const { syncs, runner } = scheduler({ autoApply: true, failing: ['main-a'] });
      await expect(runner.runOnce()).resolves.toBeUndefined();
      expect(syncs.calls).toEqual([
        `preview main-a by ${SCHEDULE_ACTOR} (schedule)`,
        `preview main-b by ${SCHEDULE_ACTOR} (schedule)`,
        `apply sync-main-b by ${SCHEDULE_ACTOR}`,
      ]);
      expect(warnings).toHaveLength(1);
    });
  });

  describe('given a round is still running', () => {
    it('when the next tick comes, then it joins that round instead of starting another', async () => {
      const { syncs, runner } = scheduler({ autoApply: false });
      await Promise.all([runner.runOnce(), runner.runOnce()]);
      expect(syncs.calls).toHaveLength(2);
    });
  });
});
