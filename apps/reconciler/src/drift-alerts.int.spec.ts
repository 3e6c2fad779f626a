import { runMigrations } from '@libs/database';
import { reconciliationMigrations } from '@libs/reconciliation';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { driftOfRun } from './drift-alerts';

describe('drift of a reconciliation run, read from reconciliation_items', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('drift_alerts');
    await runMigrations(db.pool, reconciliationMigrations);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('counts differences per channel, and those left for a person', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO reconciliation_runs (trigger, status) VALUES ('test', 'finished') RETURNING id`,
    );
    const run = Number(rows[0]!.id);
    await db.pool.query(
      `INSERT INTO reconciliation_items (run_id, channel, sku, class, action) VALUES
         ($1, 'taobao', 'S1', 'over_listed', 'corrected'),
         ($1, 'taobao', 'S2', 'under_listed', 'queued'),
         ($1, 'shop', 'S1', 'unknown_listing', 'reported'),
         ($1, 'shop', 'S3', 'over_listed', 'refused:PROMOTION_LOCK'),
         ($1, 'shop', 'S4', 'over_listed', 'superseded')`,
      [run],
    );
    expect(await driftOfRun(db.pool, run)).toEqual([
      { channel: 'shop', differences: 3, unresolved: 2 },
      { channel: 'taobao', differences: 2, unresolved: 0 },
    ]);
    expect(await driftOfRun(db.pool, run + 1)).toEqual([]);
  });
});
