import { createTestDatabase, type TestDatabase } from '@libs/testing';
import type { DataSource } from 'typeorm';
import {
  createReadModelDataSource,
  migrateReadModels,
  ProjectionSkuState,
  Reservation,
  SkuStock,
  TargetOutboxEntry,
} from '@libs/read-models';

describe('read-model schema on PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('read_models');
    expect(await migrateReadModels(db.pool)).toEqual([1, 2]);
    ds = createReadModelDataSource(db.url, { poolSize: 2 });
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('applies its migrations once, as component read-models', async () => {
    expect(await migrateReadModels(db.pool)).toEqual([]);
    const { rows } = await db.pool.query(
      `SELECT version FROM schema_migrations WHERE component = 'read-models' ORDER BY version`,
    );
    expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
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

  it('reads rows through TypeORM with numbers for bigints and arrays for unit ids', async () => {
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
    expect(await ds.getRepository(ProjectionSkuState).findOneByOrFail({ sku: 'S-1' })).toEqual({
      sku: 'S-1',
      version: 12,
      stateVersion: 0,
      state: null,
    });
  });
});
