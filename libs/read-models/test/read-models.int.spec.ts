import { runMigrations } from '@libs/database';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { reconciliationMigrations } from '@libs/reconciliation';
import { DataSource } from 'typeorm';
import {
  migrateReadModels,
  ProjectionSkuState,
  readModelDataSourceOptions,
  readModelMigrations,
  readModelTypes,
  ReconciliationItem,
  ReconciliationRun,
  Reservation,
  SkuStock,
  TargetOutboxEntry,
} from '@libs/read-models';

const MIGRATED = readModelMigrations.migrations.map((m) => m.version);

describe('read-model schema on PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('read_models');
    // Up to migration 2 first, with an analyst's view over the quantity columns, as a deployed database has.
    await runMigrations(db.pool, {
      ...readModelMigrations,
      migrations: readModelMigrations.migrations.filter((m) => m.version <= 2),
    });
    await db.pool.query(
      `CREATE VIEW stock_summary AS SELECT kind, sum(on_hand) AS on_hand, sum(available) AS available
         FROM sku_stock GROUP BY kind`,
    );
    expect(await migrateReadModels(db.pool)).toEqual(MIGRATED.slice(2));
    // The reconciliation tables are read through the same entities; the reconciler's migrations create them.
    await runMigrations(db.pool, reconciliationMigrations);
    ds = await new DataSource(readModelDataSourceOptions(db.pool)).initialize();
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('applies its migrations once, as component read-models', async () => {
    expect(await migrateReadModels(db.pool)).toEqual([]);
    const { rows } = await db.pool.query(
      `SELECT version FROM schema_migrations WHERE component = 'read-models' ORDER BY version`,
    );
    expect(rows).toEqual(MIGRATED.map((version) => ({ version })));
    expect(MIGRATED.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('holds quantities past 2^31 and keeps the views that read them', async () => {
    const { rows } = await db.pool.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_name IN ('sku_stock', 'channel_stock', 'reservations', 'stock_movements', 'stock_alerts',
                             'target_outbox')
          AND data_type = 'integer'`,
    );
    expect(rows).toEqual([]);
    await db.pool.query(
      `INSERT INTO sku_stock VALUES ('BIG', 'quantity', 3000000000, 0, 0, 3000000000, 0, 0, 3000000000, false, 0, 0,
         NULL, 1, now(), NULL)`,
    );
    const { rows: summary } = await db.pool.query(
      `SELECT on_hand::text FROM stock_summary WHERE kind = 'quantity'`,
    );
    expect(summary).toEqual([{ on_hand: '3000000000' }]);
    await db.pool.query(`DELETE FROM sku_stock WHERE sku = 'BIG'`);
  });

  it('has entities that agree with the migrated schema, column for column', async () => {
    // Entities are declared synchronize: false so TypeORM never changes the schema; switched on here only to
    // ask the schema builder what it would change. Nothing means entities and migrations agree.
    for (const metadata of ds.entityMetadatas) (metadata as { synchronize: boolean }).synchronize = true;
    try {
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      for (const metadata of ds.entityMetadatas) (metadata as { synchronize: boolean }).synchronize = false;
    }
  });

  it("serves the expiry sweeper's query from the open-reservations index", async () => {
    const client = await db.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query(
        `EXPLAIN SELECT DISTINCT sku FROM reservations WHERE status = 'reserved' AND expires_at <= $1`,
        [new Date()],
      );
      expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('reservations_open_expiry_idx');
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });

  it('reads rows through TypeORM and through readModelTypes with numbers for bigints', async () => {
    await db.pool.query(
      `INSERT INTO sku_stock VALUES ('S-1', 'quantity', 10, 0, 2, 8, 1, 0, 7, false, 0, 0, 3, 12, '2026-06-01T12:00:00Z')`,
    );
    await db.pool.query(
      `INSERT INTO reservations VALUES ('taobao', 'T1', 'S-1', 1, 'reserved', NULL, '2026-06-01T12:15:00Z', '{}', '{}',
         '2026-06-01T12:00:00Z', '2026-06-01T12:00:00Z', 11),
       ('shop', 'S9', 'S-1', 2, 'confirmed', NULL, NULL, '{k1,k2}', '{}', '2026-06-01T12:00:00Z', '2026-06-01T12:00:00Z', 12)`,
    );
    await db.pool.query(
      `INSERT INTO target_outbox (channel, sku, quantity, version, occurred_at) VALUES ('taobao', 'S-1', 7, 12, now())`,
    );
    await db.pool.query(`INSERT INTO projection_sku_state VALUES ('S-1', 12, 0, NULL)`);

    const stock = await ds.getRepository(SkuStock).findOneByOrFail({ sku: 'S-1' });
    expect(stock).toMatchObject({
      kind: 'quantity',
      onHand: 8,
      available: 7,
      version: 12,
      lowStockThreshold: 3,
    });
    expect(stock.updatedAt).toEqual(new Date('2026-06-01T12:00:00Z'));
    const paid = await ds
      .getRepository(Reservation)
      .findOneByOrFail({ channel: 'shop', channelOrderId: 'S9' });
    expect(paid).toMatchObject({
      status: 'confirmed',
      allocatedUnitIds: ['k1', 'k2'],
      updatedVersion: 12,
      expiresAt: null,
    });
    const [outboxRow] = await ds.getRepository(TargetOutboxEntry).find();
    expect(outboxRow).toMatchObject({
      id: 1,
      quantity: 7,
      version: 12,
      publishedAt: null,
      rejectedReason: null,
    });
    const { rows: plain } = await db.pool.query({
      text: `SELECT on_hand, version, kind FROM sku_stock WHERE sku = 'S-1'`,
      types: readModelTypes,
    });
    expect(plain).toEqual([{ on_hand: 8, version: 12, kind: 'quantity' }]);
    expect(await ds.getRepository(ProjectionSkuState).findOneByOrFail({ sku: 'S-1' })).toEqual({
      sku: 'S-1',
      version: 12,
      stateVersion: 0,
      state: null,
    });
  });

  it('reads reconciliation runs and items through TypeORM', async () => {
    await db.pool.query(
      `INSERT INTO reconciliation_runs (trigger, status, listings_checked, differences) VALUES ('schedule', 'finished', 3, 1)`,
    );
    await db.pool.query(
      `INSERT INTO reconciliation_items VALUES (1, 'taobao', 'S-1', 'stale_push', 5, 7, 12, 'corrected', NULL)`,
    );
    expect(await ds.getRepository(ReconciliationRun).findOneByOrFail({ id: 1 })).toMatchObject({
      trigger: 'schedule',
      status: 'finished',
      listingsChecked: 3,
      skusChecked: 0,
      differences: 1,
      finishedAt: null,
      error: null,
    });
    expect(await ds.getRepository(ReconciliationItem).find({ where: { runId: 1 } })).toEqual([
      expect.objectContaining({
        channel: 'taobao',
        class: 'stale_push',
        listed: 5,
        target: 7,
        targetVersion: 12,
      }),
    ]);
  });

  it('reads through the pool it was given, and leaves it to its owner when destroyed', async () => {
    const before = db.pool.totalCount;
    const other = await new DataSource(readModelDataSourceOptions(db.pool)).initialize();
    expect(await other.getRepository(SkuStock).count()).toBe(1);
    expect(db.pool.totalCount).toBe(before);
    await other.destroy();
    await ds.destroy();
    expect((await db.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
