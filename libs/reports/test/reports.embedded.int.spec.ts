import { createPool, runMigrations, withTransaction } from '@libs/database';
import { migrateReadModels, readModelTypes } from '@libs/read-models';
import { REPORT_NAMES, REPORT_TRANSACTION_SETTINGS, reportQuery, reportsMigrations } from '@libs/reports';
import { startEmbeddedPostgresProcess } from '@libs/testing';

// `npm start` runs on embedded PGlite: the views must be created there (the reconciler applies the migrations at
// start) and every report must run as the API runs it.
describe('reports on embedded PGlite', () => {
  it('creates the views and answers every report', async () => {
    const server = await startEmbeddedPostgresProcess();
    const pool = createPool({ url: server.url, embedded: true });
    pool.on('error', () => undefined);
    try {
      await migrateReadModels(pool);
      expect(await runMigrations(pool, reportsMigrations)).toEqual([1]);
      await pool.query(
        `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, allocated_unit_ids, loop_unit_ids,
                                   created_at, updated_at, updated_version, paid_at, delivered_at, unit_price, buyer_ref)
         VALUES ('shop', 'o1', 'A', 2, 'delivered', '{}', '{}', '2026-11-02T10:00:00Z', '2026-11-02T10:00:00Z', 1,
                 '2026-11-02T10:01:00Z', '2026-11-02T10:02:00Z', 300, 'b1')`,
      );
      const filter = { from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-11-09T00:00:00Z') };
      const answers: Record<string, unknown[]> = {};
      for (const name of REPORT_NAMES) {
        const { text, values } = reportQuery(name, filter);
        answers[name] = await withTransaction(pool, async (client) => {
          for (const setting of REPORT_TRANSACTION_SETTINGS) await client.query(setting);
          return (await client.query({ text, values, types: readModelTypes })).rows;
        });
      }
      expect(answers['sales-hourly']).toEqual([
        expect.objectContaining({ sku: 'A', channel: 'shop', orders: 1, units: 2, revenue_fen: 600 }),
      ]);
      expect(answers['fulfilment-time']).toContainEqual(
        expect.objectContaining({ dimension: 'channel', key: 'shop', p50_seconds: 60 }),
      );
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM report_sales_hourly`);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await pool.end();
      await server.stop();
    }
  });
});
