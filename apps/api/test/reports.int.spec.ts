import { runMigrations } from '@libs/database';
import { migrateReadModels } from '@libs/read-models';
import { reportsMigrations } from '@libs/reports';
import { startApiTestApp, type ApiTestApp } from './api-test-app';

/*
 * The report routes over a hand-made history (the figures of every report are checked in
 * libs/reports/test/reports.int.spec.ts; here the route, its filters, CSV and refusals):
 *   o1  A taobao     2 units paid 2026-11-02 10:15, 500 fen each, delivered 60 s later, buyer b1
 *   o2  A taobao     1 unit  paid 2026-11-02 10:40, 700 fen, delivered 300 s later, buyer b1
 *   p1  A pinduoduo  1 unit  paid 2026-11-02 10:20, no price, buyer 买家-1 (a Chinese buyer ref), shop 分站-7
 */
describe('report routes', () => {
  let api: ApiTestApp;
  let analyst: string;
  const range = 'from=2026-11-02T00:00:00Z&to=2026-11-09T00:00:00Z';

  beforeAll(async () => {
    api = await startApiTestApp('api_reports');
    await migrateReadModels(api.db.pool);
    await runMigrations(api.db.pool, reportsMigrations);
    analyst = await api.keyFor('analyst', 'analyst-ann');
    const line = async (
      channel: string,
      order: string,
      quantity: number,
      paid: string,
      deliveredAfterSeconds: number | null,
      unitPrice: number | null,
      buyer: string,
    ) =>
      api.db.pool.query(
        `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, allocated_unit_ids, loop_unit_ids,
                                   created_at, updated_at, updated_version, paid_at, delivered_at, unit_price,
                                   buyer_ref, shop)
         VALUES ($1, $2, 'A', $3, $4, '{}', '{}', $5, $5, 1, $5,
                 $5::timestamptz + make_interval(secs => $6), $7, $8, '分站-7')`,
        [
          channel,
          order,
          quantity,
          deliveredAfterSeconds === null ? 'confirmed' : 'delivered',
          paid,
          deliveredAfterSeconds,
          unitPrice,
          buyer,
        ],
      );
    await line('taobao', 'o1', 2, '2026-11-02T10:15:00Z', 60, 500, 'b1');
    await line('taobao', 'o2', 1, '2026-11-02T10:40:00Z', 300, 700, 'b1');
    await line('pinduoduo', 'p1', 1, '2026-11-02T10:20:00Z', null, null, '买家-1');
  });
  afterAll(() => api?.close());

  it('lists the reports for any role', async () => {
    const res = await api.call('GET', '/v1/reports', { key: analyst });
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { name: string }) => r.name)).toEqual([
      'sales-hourly',
      'stock-turnover',
      'repeat-purchase',
      'fulfilment-time',
      'order-failures',
    ]);
  });

  it('answers a report as JSON to an analyst, filtered by SKU and channel', async () => {
    const res = await api.call('GET', `/v1/reports/sales-hourly?${range}&sku=A&channel=taobao`, {
      key: analyst,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      report: 'sales-hourly',
      from: '2026-11-02T00:00:00.000Z',
      to: '2026-11-09T00:00:00.000Z',
      filters: { sku: 'A', channel: 'taobao', period: null },
      // o1 2 × 500 + o2 1 × 700
      rows: [
        {
          hour: '2026-11-02T10:00:00.000Z',
          sku: 'A',
          channel: 'taobao',
          orders: 2,
          units: 3,
          revenue_fen: 1700,
          priced_units: 3,
        },
      ],
      truncated: false,
    });
    const repeat = await api.call('GET', `/v1/reports/repeat-purchase?${range}&period=week`, {
      key: analyst,
    });
    // taobao b1 bought twice; pinduoduo 买家-1 once: 1 repeat buyer of 2.
    expect(repeat.body.rows).toEqual([
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: null,
        buyers: 2,
        repeat_buyers: 1,
        repeat_rate: 0.5,
      },
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: 'pinduoduo',
        buyers: 1,
        repeat_buyers: 0,
        repeat_rate: 0,
      },
      {
        period_start: '2026-11-02T00:00:00.000Z',
        channel: 'taobao',
        buyers: 1,
        repeat_buyers: 1,
        repeat_rate: 1,
      },
    ]);
  });

  it('cuts a long answer at the limit and says so', async () => {
    const res = await api.call('GET', `/v1/reports/sales-hourly?${range}&limit=1`, { key: analyst });
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.truncated).toBe(true);
  });

  it('exports CSV with ?format=csv or Accept: text/csv, the same rows and columns', async () => {
    const byQuery = await api.call('GET', `/v1/reports/fulfilment-time?${range}&format=csv`, {
      key: analyst,
    });
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(byQuery.headers.get('content-disposition')).toBe(
      'attachment; filename="fulfilment-time-20261102T000000Z-20261109T000000Z.csv"',
    );
    // taobao 60 and 300 s: p50 180, p95 60 + 0.95 × 240 = 288. p1 is not delivered.
    expect(byQuery.body).toBe(
      'dimension,key,orders,p50_seconds,p95_seconds\r\n' +
        'channel,taobao,2,180,288\r\n' +
        'supplier,(own stock),2,180,288\r\n',
    );
    const byAccept = await api.call('GET', `/v1/reports/fulfilment-time?${range}`, {
      key: analyst,
      headers: { accept: 'text/csv' },
    });
    expect(byAccept.body).toBe(byQuery.body);
  });

  it.each([
    ['from after to', 'from=2026-11-09T00:00:00Z&to=2026-11-02T00:00:00Z', 'from'],
    ['a range past the bound', 'from=2026-01-01T00:00:00Z&to=2026-11-09T00:00:00Z', 'to'],
    ['a channel on stock turnover', `${range}&channel=taobao`, 'channel'],
    ['a period on another report than repeat purchase', `${range}&period=week`, 'period'],
  ])('refuses %s with 400 API.VALIDATION_FAILED', async (_what, query, field) => {
    const name = field === 'channel' ? 'stock-turnover' : 'sales-hourly';
    const res = await api.call('GET', `/v1/reports/${name}?${query}`, { key: analyst });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'API.VALIDATION_FAILED', details: { field } });
  });

  it.each([
    ['an unknown report', '/v1/reports/best-sellers'],
    ['a limit out of bounds', `/v1/reports/sales-hourly?${range}&limit=100001`],
    ['a time that is not one', '/v1/reports/sales-hourly?from=yesterday'],
    ['a period not offered', `/v1/reports/repeat-purchase?${range}&period=year`],
    ['an unknown format', `/v1/reports/sales-hourly?${range}&format=xlsx`],
  ])('refuses %s with 400', async (_what, path) => {
    const res = await api.call('GET', path, { key: analyst });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('API.VALIDATION_FAILED');
  });

  it('answers 401 without a key', async () => {
    const res = await api.call('GET', `/v1/reports/sales-hourly?${range}`, { key: null });
    expect(res.status).toBe(401);
  });
});
