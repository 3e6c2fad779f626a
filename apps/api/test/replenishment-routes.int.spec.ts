import { randomUUID } from 'node:crypto';
import { migrateReadModels } from '@libs/read-models';
import { addDays } from '@libs/replenishment';
import { localDay } from '../src/replenishment/daily-sales';
import { ReplenishmentService } from '../src/replenishment/replenishment.service';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * The replenishment routes on the booted api (real PostgreSQL and Kafka): the list from a pass, its filters, paging
 * and CSV, one SKU's detail, and the settings route's roles, bounds and attribution. The sales are the 28 days
 * before today in Shanghai (the api's pass may run by itself at any time and must find the same days):
 *  - xbox-10: 2 a day, 10 available → 5 days of cover (under the default lead time of 7);
 *  - steam-50: 5 a day, 30 available → 6 days;
 *  - steam-100: 1 a day, 100 available → 100 days.
 */
describe('replenishment routes', () => {
  let api: ApiTestApp;
  let analyst: string;
  let stockAdmin: string;
  let position = 0;

  async function sku(name: string, available: number, perDay: number): Promise<void> {
    await api.db.pool.query(
      `INSERT INTO sku_stock (sku, kind, received, adjusted, delivered, on_hand, reserved, held_in_pools, available,
                              endless, endless_reserved, endless_delivered, low_stock_threshold, version, updated_at)
       VALUES ($1, 'quantity', 0, 0, 0, $2, 0, 0, $2, false, 0, 0, NULL, 1, now())`,
      [name, available],
    );
    const today = localDay(new Date(), 'Asia/Shanghai');
    for (let d = 1; d <= 28; d++) {
      position += 1;
      // Noon in Shanghai (UTC+8) on the day d days before today.
      const at = `${addDays(today, -d)}T04:00:00Z`;
      await api.db.pool.query(
        `INSERT INTO stock_movements (id, event_id, sku, version, event_type, channel, channel_order_id, quantity,
                                      delta_on_hand, delta_reserved, delta_held_in_pools, delta_available,
                                      on_hand_after, available_after, occurred_at)
         VALUES ($1, $2, $3, $4, 'ReservationConfirmed', 'shop', $5, $6, 0, 0, 0, 0, 0, 0, $7)`,
        [position, randomUUID(), name, d + 1, `${name}-${d}`, perDay, at],
      );
    }
  }

  beforeAll(async () => {
    api = await startApiTestApp('api_replenishment', { REPLENISHMENT_TIME_ZONE: 'Asia/Shanghai' });
    // The projector owns the read models; none runs here, so their tables are made and filled by hand.
    await migrateReadModels(api.db.pool);
    await sku('xbox-10', 10, 2);
    await sku('steam-50', 30, 5);
    await sku('steam-100', 100, 1);
    analyst = await api.keyFor('analyst', 'analyst-ann');
    stockAdmin = await api.keyFor('inventory-admin', 'stock-sam');
    await api.app.get(ReplenishmentService).refreshAll(new Date());
  });

  afterAll(async () => {
    await api?.close();
  });

  it('lists every SKU lowest cover first, with velocity, cover and reorder', async () => {
    const res = await api.call('GET', '/v1/replenishment', { key: analyst });
    expect(res.status).toBe(200);
    expect(res.body.next).toBeNull();
    expect(
      res.body.items.map(
        (i: { sku: string; daysOfCover: number; velocity: number; reorderUnits: number }) => [
          i.sku,
          i.velocity,
          i.daysOfCover,
          i.reorderUnits,
        ],
      ),
    ).toEqual([
      // (7 + 7) × 2 + ⌈3 × 2⌉ − 10 = 24; (14 × 5) + 15 − 30 = 55; 14 + 3 − 100 → 0.
      ['xbox-10', 2, 5, 24],
      ['steam-50', 5, 6, 55],
      ['steam-100', 1, 100, 0],
    ]);
    expect(res.body.items[0]).toMatchObject({
      available: 10,
      leadTimeDays: 7,
      lowCover: true,
      soldLast28Days: 56,
    });
  });

  it('filters by SKU prefix and low cover, and pages', async () => {
    const skus = async (query: string) =>
      (await api.call('GET', `/v1/replenishment${query}`, { key: analyst })).body.items.map(
        (i: { sku: string }) => i.sku,
      );
    expect(await skus('?prefix=steam')).toEqual(['steam-50', 'steam-100']);
    expect(await skus('?low=true')).toEqual(['xbox-10', 'steam-50']);
    expect(await skus('?prefix=st%25')).toEqual([]);
    const first = await api.call('GET', '/v1/replenishment?limit=1', { key: analyst });
    expect(first.body).toMatchObject({ next: 1, items: [{ sku: 'xbox-10' }] });
    expect(await skus('?limit=1&offset=1')).toEqual(['steam-50']);
    expect((await api.call('GET', '/v1/replenishment?limit=0', { key: analyst })).status).toBe(400);
  });

  it('exports the list as CSV', async () => {
    const res = await api.call('GET', '/v1/replenishment?format=csv&prefix=xbox', { key: analyst });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = String(res.body);
    const lines = text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'sku,available,velocity,daysOfCover,leadTimeDays,safetyStockUnits,demandOverCycle,reorderUnits,soldLast28Days,lowCover,computedAt',
    );
    expect(lines[1]).toMatch(/^xbox-10,10,2,5,7,6,28,24,56,true,\d{4}-/);
    expect(lines).toHaveLength(2);
  });

  it('shows one SKU computed now with its history, forecast and the defaults it uses', async () => {
    const res = await api.call('GET', '/v1/replenishment/steam-50', { key: analyst });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      sku: 'steam-50',
      tracked: true,
      velocity: 5,
      daysOfCover: 6,
      reorderUnits: 55,
      settings: {
        leadTimeDays: 7,
        leadTimeSource: 'default',
        safetyStockUnits: 15,
        safetyStockSource: 'default',
      },
      weekdayFactors: { mon: 1, tue: 1, wed: 1, thu: 1, fri: 1, sat: 1, sun: 1 },
      timeZone: 'Asia/Shanghai',
    });
    // REPLENISHMENT_HISTORY_DAYS (120) days, the last 28 with sales; 14 forecast days from today.
    expect(res.body.history).toHaveLength(120);
    expect(res.body.history.slice(-28).every((d: { units: number }) => d.units === 5)).toBe(true);
    expect(res.body.forecast).toHaveLength(14);
    expect(res.body.forecast[0]).toEqual({ day: localDay(new Date(), 'Asia/Shanghai'), units: 5 });
    expect((await api.call('GET', '/v1/replenishment/nope', { key: analyst })).status).toBe(404);
  });

  it('raised LOW_DAYS_OF_COVER on Kafka for the two SKUs under their lead time', async () => {
    const { rows } = await api.db.pool.query(
      `SELECT sku, open, episode FROM replenishment_alerts ORDER BY sku`,
    );
    expect(rows).toEqual([
      { sku: 'steam-50', open: true, episode: 1 },
      { sku: 'xbox-10', open: true, episode: 1 },
    ]);
  });

  describe('PUT /v1/replenishment/:sku/settings', () => {
    it('is for inventory admins', async () => {
      const res = await api.call('PUT', '/v1/replenishment/steam-50/settings', {
        key: analyst,
        json: { leadTimeDays: 5 },
      });
      expect(res.status).toBe(403);
    });

    it.each([
      [{ leadTimeDays: 0 }],
      [{ leadTimeDays: 366 }],
      [{ leadTimeDays: 2.5 }],
      [{ safetyStockUnits: -1 }],
      [{ safetyStockUnits: 1e13 }],
      [{ leadTimeDays: 5, colour: 'red' }],
    ])('refuses %j', async (json) => {
      const res = await api.call('PUT', '/v1/replenishment/steam-50/settings', { key: stockAdmin, json });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('API.VALIDATION_FAILED');
    });

    it('refuses an unknown SKU', async () => {
      const res = await api.call('PUT', '/v1/replenishment/nope/settings', {
        key: stockAdmin,
        json: { leadTimeDays: 5 },
      });
      expect(res.status).toBe(404);
    });

    it("sets the SKU's own lead time, records who did, and the list and the alert follow at once", async () => {
      const res = await api.call('PUT', '/v1/replenishment/steam-50/settings', {
        key: stockAdmin,
        json: { leadTimeDays: 5 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        lowCover: false,
        settings: {
          leadTimeDays: 5,
          leadTimeSource: 'sku',
          safetyStockSource: 'default',
          updatedBy: 'stock-sam',
        },
      });
      const list = await api.call('GET', '/v1/replenishment?low=true', { key: analyst });
      expect(list.body.items.map((i: { sku: string }) => i.sku)).toEqual(['xbox-10']);
      const { rows } = await api.db.pool.query(
        `SELECT open FROM replenishment_alerts WHERE sku = 'steam-50'`,
      );
      expect(rows).toEqual([{ open: false }]);
    });
  });
});
