import { type ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * The 串货 rule routes on the booted api (real PostgreSQL and Kafka): roles, validation codes, versions with their
 * author, retirement, and the alert list's filters over rows as the notifier's engine writes them.
 */
describe('diversion routes', () => {
  let api: ApiTestApp;
  let analyst: string;
  let stockAdmin: string;

  const floorRule = {
    name: 'steam floor',
    scope: { skuPrefix: 'steam-', channels: ['shop'] },
    check: { type: 'price-floor', floorFen: 9000 },
    windowMinutes: 60,
  };

  beforeAll(async () => {
    api = await startApiTestApp('api_diversion');
    analyst = await api.keyFor('analyst', 'analyst-ann');
    stockAdmin = await api.keyFor('inventory-admin', 'stock-sam');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('an inventory admin adds a rule, changes it, reads its versions and retires it; every change has its author', async () => {
    const created = await api.call('POST', '/v1/diversion/rules', { key: stockAdmin, json: floorRule });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      version: 1,
      name: 'steam floor',
      floorFen: 9000,
      updatedBy: 'stock-sam',
    });
    const id = created.body.id as string;

    const pct = { ...floorRule, check: { type: 'price-floor', referenceFen: 10000, maxDiscountPercent: 15 } };
    const changed = await api.call('PUT', `/v1/diversion/rules/${id}`, { key: stockAdmin, json: pct });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, floorFen: 8500, check: pct.check });

    const list = await api.call('GET', '/v1/diversion/rules', { key: analyst });
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(id);

    // A percentage under each channel's own selling price: no fixed floor to show, and a reference alone is refused.
    const underPrice = { ...floorRule, check: { type: 'price-floor', maxDiscountPercent: 10 } };
    const channelPriced = await api.call('POST', '/v1/diversion/rules', {
      key: stockAdmin,
      json: underPrice,
    });
    expect(channelPriced.status).toBe(201);
    expect(channelPriced.body).toMatchObject({ check: underPrice.check });
    expect(channelPriced.body).not.toHaveProperty('floorFen');
    const referenceOnly = { ...floorRule, check: { type: 'price-floor', referenceFen: 10000 } };
    expect(
      (await api.call('POST', '/v1/diversion/rules', { key: stockAdmin, json: referenceOnly })).status,
    ).toBe(400);

    const gone = await api.call('DELETE', `/v1/diversion/rules/${id}`, { key: stockAdmin });
    expect(gone.body).toEqual({ id, version: 3, deleted: true, updatedBy: 'stock-sam' });
    expect((await api.call('GET', `/v1/diversion/rules/${id}`, { key: analyst })).status).toBe(404);

    const versions = await api.call('GET', `/v1/diversion/rules/${id}/versions`, { key: analyst });
    expect(
      versions.body.items.map((v: { version: number; deleted: boolean; changedBy: string }) => [
        v.version,
        v.deleted,
        v.changedBy,
      ]),
    ).toEqual([
      [3, true, 'stock-sam'],
      [2, false, 'stock-sam'],
      [1, false, 'stock-sam'],
    ]);
  });

  it('an analyst reads but may not change rules', async () => {
    const res = await api.call('POST', '/v1/diversion/rules', { key: analyst, json: floorRule });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('API.FORBIDDEN');
  });

  it.each([
    ['no check', { ...floorRule, check: undefined }],
    [
      'both floor forms',
      { ...floorRule, check: { type: 'price-floor', floorFen: 1, referenceFen: 2, maxDiscountPercent: 3 } },
    ],
    ['a fractional price', { ...floorRule, check: { type: 'price-floor', floorFen: 12.5 } }],
    ['a field of another type', { ...floorRule, check: { type: 'price-floor', floorFen: 1, per: 'ip' } }],
    ['an unknown type', { ...floorRule, check: { type: 'colour' } }],
    ['a window past a week', { ...floorRule, windowMinutes: 10081 }],
    ['sku and prefix', { ...floorRule, scope: { sku: 'a', skuPrefix: 'b' } }],
    ['an empty region list', { ...floorRule, check: { type: 'region', allowed: [] } }],
    ['a volume without its subject', { ...floorRule, check: { type: 'volume', measure: 'units', max: 5 } }],
    ['51 channels', { ...floorRule, scope: { channels: Array.from({ length: 51 }, (_, i) => `c${i}`) } }],
    ['an unknown field', { ...floorRule, colour: 'red' }],
  ])('refuses %s with 400 API.VALIDATION_FAILED', async (_, body) => {
    const res = await api.call('POST', '/v1/diversion/rules', { key: stockAdmin, json: body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('API.VALIDATION_FAILED');
  });

  it('lists alerts newest first with their trace, filtered and paged', async () => {
    const insert = (key: string, sku: string, shop: string, firstAt: string) =>
      api.db.pool.query(
        `INSERT INTO diversion_alerts (id, alert_key, rule_id, rule_version, rule_name, rule_type, subject_kind, subject,
           window_start, window_end, sku, channel, shop, first_at, last_at, detail, orders)
         VALUES (gen_random_uuid(), $1, '7', 1, 'floor', 'price-floor', 'shop', $3, $4, $4::timestamptz + interval '1 hour',
                 $2, 'shop', $3, $4, $4, '{"floorFen":9000}', $5)`,
        [
          key,
          sku,
          shop,
          firstAt,
          JSON.stringify([{ channel: 'shop', orderId: key, sku, quantity: 1, unitPrice: 100 }]),
        ],
      );
    await insert('a', 'steam-1', 's1', '2026-12-01T01:00:00Z');
    await insert('b', 'steam-2', 's2', '2026-12-01T02:00:00Z');
    await insert('c', 'steam-1', 's2', '2026-12-01T03:00:00Z');

    const all = await api.call('GET', '/v1/diversion/alerts', { key: analyst });
    expect(all.body.items.map((a: { key: string }) => a.key)).toEqual(['c', 'b', 'a']);
    expect(all.body.items[0]).toMatchObject({
      rule: { id: '7', type: 'price-floor' },
      floorFen: 9000,
      orders: [{ unitPrice: 100 }],
    });
    const keys = async (q: string) =>
      (await api.call('GET', `/v1/diversion/alerts?${q}`, { key: analyst })).body.items.map(
        (a: { key: string }) => a.key,
      );
    expect(await keys('sku=steam-1')).toEqual(['c', 'a']);
    expect(await keys('shop=s2&rule=7&channel=shop')).toEqual(['c', 'b']);
    expect(await keys('from=2026-12-01T02:00:00Z&to=2026-12-01T03:00:00Z')).toEqual(['b']);
    const page = await api.call('GET', '/v1/diversion/alerts?limit=2&offset=0', { key: analyst });
    expect(page.body.next).toBe(2);
    expect(await keys('limit=2&offset=2')).toEqual(['a']);
    expect((await api.call('GET', '/v1/diversion/alerts?limit=501', { key: analyst })).status).toBe(400);
  });
});
