import { createTestDatabase } from '@libs/testing';
import { DataSource } from 'typeorm';
import type { Pool } from 'pg';
import { createPool } from './pool';
import { startEmbeddedPostgres } from './embedded-postgres';
import { type MigrationSet, runMigrations } from './migrations';

const sample: MigrationSet = {
  component: 'engine-check',
  migrations: [
    {
      version: 1,
      name: 'create sku_note',
      up: `CREATE TABLE sku_note (sku text PRIMARY KEY, note jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    },
    {
      version: 2,
      name: 'add quantity',
      up: `ALTER TABLE sku_note ADD COLUMN quantity integer NOT NULL DEFAULT 0 CHECK (quantity >= 0)`,
    },
  ],
};

interface Engine {
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

const engines: Record<string, () => Promise<Engine>> = {
  'PostgreSQL server': async () => {
    const db = await createTestDatabase('engines');
    return { url: db.url, pool: db.pool, close: () => db.drop() };
  },
  'embedded PGlite': async () => {
    const pg = await startEmbeddedPostgres();
    const pool = createPool({ url: pg.url, embedded: true });
    return {
      url: pg.url,
      pool,
      close: async () => {
        await pool.end();
        await pg.stop();
      },
    };
  },
};

describe.each(Object.keys(engines))('on the %s', (engineName) => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await engines[engineName]();
  });
  afterAll(() => engine.close());

  it('applies the migrations once, in order, and records them', async () => {
    expect(await runMigrations(engine.pool, sample)).toEqual([1, 2]);
    expect(await runMigrations(engine.pool, sample)).toEqual([]);
    const { rows } = await engine.pool.query(
      'SELECT version, name FROM schema_migrations WHERE component = $1 ORDER BY version',
      ['engine-check'],
    );
    expect(rows).toEqual([
      { version: 1, name: 'create sku_note' },
      { version: 2, name: 'add quantity' },
    ]);
  });

  it('round-trips rows through pg, and enforces the schema', async () => {
    await engine.pool.query('INSERT INTO sku_note (sku, note, quantity) VALUES ($1, $2, $3)', [
      'SKU-1',
      { channel: 'taobao', tags: ['卡密'] },
      7,
    ]);
    const { rows } = await engine.pool.query('SELECT sku, note, quantity FROM sku_note');
    expect(rows).toEqual([{ sku: 'SKU-1', note: { channel: 'taobao', tags: ['卡密'] }, quantity: 7 }]);
    await expect(
      engine.pool.query("UPDATE sku_note SET quantity = -1 WHERE sku = 'SKU-1'"),
    ).rejects.toMatchObject({
      code: '23514',
    });
  });

  it('is reachable through TypeORM like any PostgreSQL', async () => {
    const ds = new DataSource({ type: 'postgres', url: engine.url, poolSize: 1 });
    await ds.initialize();
    try {
      const rows = await ds.query('SELECT quantity FROM sku_note WHERE sku = $1', ['SKU-1']);
      expect(rows).toEqual([{ quantity: 7 }]);
      const [{ xmin }] = await ds.query('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
      expect(Number(xmin)).toBeGreaterThan(0);
    } finally {
      await ds.destroy();
    }
  });
});
