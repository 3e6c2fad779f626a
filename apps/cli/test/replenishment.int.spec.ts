import { randomUUID } from 'node:crypto';
import { migrateReadModels } from '@libs/read-models';
import { addDays } from '@libs/replenishment';
import { type ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { localDay } from '../../api/src/replenishment/daily-sales';
import { ReplenishmentService } from '../../api/src/replenishment/replenishment.service';
import { parseReplenishmentCommand, runReplenishmentCommand } from '../src/replenishment.command';
import { runApiCommand } from './captured-io';

/** `stocksync replenishment` against the booted api: the list as a table and JSON, as CSV, one SKU, its settings. */
describe('stocksync replenishment against the API', () => {
  let api: ApiTestApp;
  let admin: string;

  beforeAll(async () => {
    api = await startApiTestApp('cli_replenishment', { REPLENISHMENT_TIME_ZONE: 'UTC' });
    await migrateReadModels(api.db.pool);
    await api.db.pool.query(
      `INSERT INTO sku_stock (sku, kind, received, adjusted, delivered, on_hand, reserved, held_in_pools, available,
                              endless, endless_reserved, endless_delivered, low_stock_threshold, version, updated_at)
       VALUES ('GIFT-1', 'quantity', 0, 0, 0, 12, 0, 0, 12, false, 0, 0, NULL, 1, now())`,
    );
    // 4 a day for the 14 days before today (UTC): 3 days of cover.
    const today = localDay(new Date(), 'UTC');
    for (let d = 1; d <= 14; d++)
      await api.db.pool.query(
        `INSERT INTO stock_movements (id, event_id, sku, version, event_type, channel, channel_order_id, quantity,
                                      delta_on_hand, delta_reserved, delta_held_in_pools, delta_available,
                                      on_hand_after, available_after, occurred_at)
         VALUES ($1, $2, 'GIFT-1', $1::bigint + 1, 'ReservationConfirmed', 'shop', $3, 4, 0, 0, 0, 0, 0, 0, $4)`,
        [d, randomUUID(), `o-${d}`, `${addDays(today, -d)}T12:00:00Z`],
      );
    admin = await api.keyFor('inventory-admin', 'cli-stock');
    await api.app.get(ReplenishmentService).refreshAll(new Date());
  });
  afterAll(() => api?.close());

  const cli = (...argv: string[]) =>
    runApiCommand(
      parseReplenishmentCommand,
      runReplenishmentCommand,
      { apiUrl: api.url, apiKey: admin },
      argv,
    );

  it('prints the list as a table on stderr and JSON on stdout, or CSV', async () => {
    const list = await cli();
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).items).toEqual([
      expect.objectContaining({ sku: 'GIFT-1', velocity: 4, daysOfCover: 3, lowCover: true }),
    ]);
    expect(list.stderr).toMatch(/GIFT-1\s+12\s+4\.00\s+3\.0\s+7\s+\d+\s+LOW/);
    const csv = await cli('--csv', '--prefix', 'GIFT');
    expect(csv.stdout.replace(/^\uFEFF/, '').split('\r\n')[1]).toMatch(/^GIFT-1,12,4,3,7,/);
  });

  it('shows one SKU and sets its lead time', async () => {
    const shown = await cli('GIFT-1');
    expect(JSON.parse(shown.stdout)).toMatchObject({ sku: 'GIFT-1', velocity: 4, daysOfCover: 3 });
    const set = await cli('GIFT-1', '--lead-time', '2', '--safety-stock', 'default');
    expect(JSON.parse(set.stdout)).toMatchObject({
      lowCover: false,
      settings: {
        leadTimeDays: 2,
        leadTimeSource: 'sku',
        safetyStockSource: 'default',
        updatedBy: 'cli-stock',
      },
    });
    // (lead 2 + review 7) days × 4 + safety 3 days × 4 − 12 available = 36.
    expect(set.stderr).toBe('GIFT-1: 4 a day, 3 days of cover, lead time 2 days, reorder 36\n');
  });
});
