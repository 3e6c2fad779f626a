import { migrateReadModels } from '@libs/read-models';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

describe('operations API', () => {
  let api: ApiTestApp;
  let analyst: string;
  let inventoryAdmin: string;
  let operator: string;

  beforeAll(async () => {
    api = await startApiTestApp('api');
    await migrateReadModels(api.db.pool);
    analyst = await api.keyFor('analyst', 'analyst-ann');
    inventoryAdmin = await api.keyFor('inventory-admin', 'stock-sam');
    operator = await api.keyFor('order-operator', 'orders-olga');
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('authentication', () => {
    it('refuses a request without a key, with a wrong key and with a malformed key', async () => {
      for (const key of [null, 'ssk_0123456789abcdef_' + 'A'.repeat(43), 'nonsense']) {
        const res = await api.call('GET', '/v1/skus', { key });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ code: 'API.UNAUTHORIZED', message: expect.any(String) });
      }
    });

    it('stores only a SHA-256 digest of each key', async () => {
      const { rows } = await api.db.pool.query<{ key_hash: Buffer; name: string }>(
        'SELECT name, key_hash FROM api_keys',
      );
      expect(rows.map((r) => r.name).sort()).toEqual(['analyst-ann', 'orders-olga', 'stock-sam']);
      for (const row of rows) {
        expect(row.key_hash).toHaveLength(32);
        for (const key of [analyst, inventoryAdmin, operator])
          expect(row.key_hash.toString('utf8')).not.toContain(key);
      }
    });

    it('lets only admins manage keys, never shows a stored key, and stops a revoked key', async () => {
      expect((await api.call('GET', '/v1/api-keys', { key: inventoryAdmin })).status).toBe(403);
      const list = await api.call('GET', '/v1/api-keys');
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body)).not.toMatch(/ssk_[0-9a-f]{16}_/);
      const dup = await api.call('POST', '/v1/api-keys', { json: { name: 'stock-sam', role: 'analyst' } });
      expect(dup.body.code).toBe('API.CONFLICT');

      const created = await api.call('POST', '/v1/api-keys', { json: { name: 'temp', role: 'analyst' } });
      expect((await api.call('GET', '/v1/alerts', { key: created.body.key })).status).toBe(200);
      expect((await api.call('DELETE', `/v1/api-keys/${created.body.keyId}`)).status).toBe(204);
      expect((await api.call('GET', '/v1/alerts', { key: created.body.key })).status).toBe(401);
    });
  });

  describe('roles', () => {
    it('an analyst gets 403 on every write route of the OpenAPI document', async () => {
      const docs = await api.call('GET', '/docs-json', { key: null });
      expect(docs.status).toBe(200);
      const writes: [string, string][] = [];
      for (const [path, operations] of Object.entries(docs.body.paths as Record<string, object>)) {
        for (const method of Object.keys(operations)) {
          if (method !== 'get') writes.push([method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x1')]);
        }
      }
      expect(writes.length).toBeGreaterThanOrEqual(10);
      for (const [method, path] of writes) {
        const res = await api.call(method, path, { key: analyst, json: {} });
        expect({ method, path, status: res.status, code: res.body?.code }).toEqual({
          method,
          path,
          status: 403,
          code: 'API.FORBIDDEN',
        });
      }
      const { rows } = await api.db.pool.query('SELECT count(*)::int AS n FROM events');
      expect(rows[0].n).toBe(0);
    });

    it('an analyst reads; an order operator may release but not register', async () => {
      expect((await api.call('GET', '/v1/alerts', { key: analyst })).status).toBe(200);
      expect((await api.call('GET', '/v1/reservations', { key: analyst })).status).toBe(200);
      const register = await api.call('POST', '/v1/skus', {
        key: operator,
        json: { sku: 'op-1', kind: 'quantity' },
      });
      expect(register.status).toBe(403);
      const release = await api.call('POST', '/v1/skus/op-1/reservations/shop/o-1/release', {
        key: operator,
        json: {},
      });
      expect(release.status).toBe(404);
      expect(release.body.code).toBe('INVENTORY.UNKNOWN_SKU');
    });
  });

  describe('validation', () => {
    it.each([
      ['POST', '/v1/skus', { sku: 'a b', kind: 'quantity' }, 'sku'],
      ['POST', '/v1/skus', { sku: 'ok', kind: 'gold' }, 'kind'],
      ['POST', '/v1/skus', { sku: 'ok', kind: 'quantity', lowStockThreshold: -1 }, 'lowStockThreshold'],
      ['POST', '/v1/skus', { sku: 'ok', kind: 'quantity', extra: 1 }, 'extra'],
      ['PUT', '/v1/skus/ok/channels/taobao/policy', { sharePercent: 101 }, 'sharePercent'],
      [
        'POST',
        '/v1/skus/ok/adjustments',
        { adjustmentId: 'a1', delta: 0, reason: 'count-correction' },
        'delta',
      ],
      [
        'POST',
        '/v1/skus/ok/adjustments',
        { adjustmentId: 'a1', delta: 1.5, reason: 'count-correction' },
        'delta',
      ],
      ['POST', '/v1/skus/ok/pools', { poolId: 'p', quantity: 'ten' }, 'quantity'],
      ['GET', '/v1/skus?limit=0', undefined, 'limit'],
      ['POST', '/v1/skus/ok/card-keys/import', undefined, 'batchId'],
    ])('%s %s %j → 400 API.VALIDATION_FAILED naming %s', async (method, path, json, field) => {
      const res = await api.call(method, path, { key: inventoryAdmin, json });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('API.VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('a malformed JSON body is a 400 with a code, and an unknown route a 404 with a code', async () => {
      const bad = await api.call('POST', '/v1/skus', {
        key: inventoryAdmin,
        body: '{',
        contentType: 'application/json',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('API.VALIDATION_FAILED');
      const missing = await api.call('GET', '/v1/nothing-here');
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('API.NOT_FOUND');
    });
  });

  describe('commands', () => {
    it('registers, receives, sets a policy, opens and closes a pool, adjusts; every event names its actor', async () => {
      const as = { key: inventoryAdmin };
      const reg = await api.call('POST', '/v1/skus', {
        ...as,
        json: { sku: 'gift-50', kind: 'quantity', lowStockThreshold: 3 },
      });
      expect(reg.status).toBe(201);
      expect(reg.body).toMatchObject({
        sku: 'gift-50',
        changed: true,
        version: 1,
        events: [{ type: 'SkuRegistered' }],
      });

      const recv = await api.call('POST', '/v1/skus/gift-50/receipts', {
        ...as,
        json: { batchId: 'po-1', quantity: 20 },
      });
      expect(recv.body.events.map((e: { type: string }) => e.type)).toEqual(['StockReceived']);
      const again = await api.call('POST', '/v1/skus/gift-50/receipts', {
        ...as,
        json: { batchId: 'po-1', quantity: 20 },
      });
      expect(again.body).toMatchObject({ changed: false, events: [] });

      const policy = await api.call('PUT', '/v1/skus/gift-50/channels/taobao/policy', {
        ...as,
        json: { bufferQuantity: 2, sharePercent: 50, maxListed: null },
      });
      expect(policy.status).toBe(200);
      expect(policy.body.events[0]).toMatchObject({ type: 'ChannelPolicySet', data: { channel: 'taobao' } });

      const pool = await api.call('POST', '/v1/skus/gift-50/pools', {
        ...as,
        json: { poolId: 'flash', quantity: 5 },
      });
      expect(pool.status).toBe(201);
      const tooBig = await api.call('POST', '/v1/skus/gift-50/pools', {
        ...as,
        json: { poolId: 'huge', quantity: 500 },
      });
      expect(tooBig.status).toBe(409);
      expect(tooBig.body.code).toMatch(/^INVENTORY\.INSUFFICIENT/);
      const close = await api.call('POST', '/v1/skus/gift-50/pools/flash/close', as);
      expect(close.status).toBe(200);
      expect(close.body.events[0]).toMatchObject({ type: 'DedicatedPoolClosed', data: { returned: 5 } });
      const unknownPool = await api.call('POST', '/v1/skus/gift-50/pools/nope/close', as);
      expect(unknownPool.status).toBe(404);
      expect(unknownPool.body).toMatchObject({ code: 'INVENTORY.POOL_NOT_FOUND', details: { ref: 'nope' } });

      const adjust = await api.call('POST', '/v1/skus/gift-50/adjustments', {
        ...as,
        json: { adjustmentId: 'count-1', delta: -18, reason: 'count-correction', note: 'shelf count' },
      });
      expect(adjust.status).toBe(201);
      expect(adjust.body.events.map((e: { type: string }) => e.type)).toEqual([
        'StockAdjusted',
        'LowStockAlerted',
      ]);

      const dupRegister = await api.call('POST', '/v1/skus', {
        ...as,
        json: { sku: 'gift-50', kind: 'cardKey' },
      });
      expect(dupRegister.status).toBe(409);
      expect(dupRegister.body.code).toBe('INVENTORY.ALREADY_REGISTERED');

      const { rows } = await api.db.pool.query<{ type: string; actor: string | null; meta: string | null }>(
        `SELECT type, data->>'actor' AS actor, metadata->>'actor' AS meta FROM events WHERE stream_id = 'sku-gift-50'`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(6);
      // Every event's metadata names the key; the domain leaves the actor of its own low-stock signal empty.
      expect(rows.filter((r) => r.meta !== 'stock-sam')).toEqual([]);
      expect(rows.filter((r) => r.actor !== 'stock-sam').map((r) => r.type)).toEqual(['LowStockAlerted']);
    });

    it("changes a SKU's per-order cap and threshold; a reservation above the new cap is rejected", async () => {
      const as = { key: inventoryAdmin };
      await api.call('POST', '/v1/skus', {
        ...as,
        json: { sku: 'cap-1', kind: 'quantity', perOrderCap: 10 },
      });
      await api.call('POST', '/v1/skus/cap-1/receipts', { ...as, json: { batchId: 'po-1', quantity: 50 } });

      const change = await api.call('PATCH', '/v1/skus/cap-1/settings', { ...as, json: { perOrderCap: 2 } });
      expect(change.status).toBe(200);
      expect(change.body).toMatchObject({
        changed: true,
        events: [
          {
            type: 'SkuSettingsChanged',
            data: { lowStockThreshold: null, perOrderCap: 2, actor: 'stock-sam' },
          },
        ],
      });
      const same = await api.call('PATCH', '/v1/skus/cap-1/settings', { ...as, json: { perOrderCap: 2 } });
      expect(same.body).toMatchObject({ changed: false, events: [] });

      // Orders arrive as a connector reports them, on the SKU lane.
      const reserve = (channelOrderId: string, quantity: number) =>
        api.placeOrder({ sku: 'cap-1', channelOrderId, quantity });
      expect((await reserve('o-big', 3)).events).toMatchObject([
        { type: 'ReservationRejected', data: { reason: 'OVER_ORDER_CAP' } },
      ]);
      expect((await reserve('o-small', 2)).events).toMatchObject([{ type: 'StockReserved' }]);

      const threshold = await api.call('PATCH', '/v1/skus/cap-1/settings', {
        ...as,
        json: { lowStockThreshold: 50, perOrderCap: null },
      });
      expect(threshold.body.events).toMatchObject([
        { type: 'SkuSettingsChanged', data: { lowStockThreshold: 50, perOrderCap: null } },
        { type: 'LowStockAlerted', data: { onHand: 50, threshold: 50 } },
      ]);
      expect((await reserve('o-big-later', 3)).events).toMatchObject([{ type: 'StockReserved' }]);

      const invalid = await api.call('PATCH', '/v1/skus/cap-1/settings', { ...as, json: { perOrderCap: 0 } });
      expect(invalid.status).toBe(400);
      const unknown = await api.call('PATCH', '/v1/skus/nobody/settings', {
        ...as,
        json: { perOrderCap: 1 },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('INVENTORY.UNKNOWN_SKU');
    });

    it('an Idempotency-Key makes a retried write return the first outcome', async () => {
      const headers = { 'idempotency-key': 'register-retry-1' };
      const first = await api.call('POST', '/v1/skus', {
        key: inventoryAdmin,
        headers,
        json: { sku: 'idem-1', kind: 'unlimited' },
      });
      const second = await api.call('POST', '/v1/skus', {
        key: inventoryAdmin,
        headers,
        json: { sku: 'idem-1', kind: 'unlimited' },
      });
      expect(first.body).toMatchObject({ duplicate: false, changed: true });
      expect(second.body).toMatchObject({ duplicate: true, version: 1, events: [{ type: 'SkuRegistered' }] });
    });
  });

  describe('reads', () => {
    beforeAll(async () => {
      await api.db.pool.query(
        `INSERT INTO sku_stock VALUES ('read-1', 'quantity', 10, 0, 2, 8, 1, 0, 7, false, 0, 0, 5, 4, now())`,
      );
      await api.db.pool.query(
        `INSERT INTO channel_stock (channel, sku, target, target_version) VALUES ('taobao', 'read-1', 7, 4)`,
      );
      await api.db.pool.query(
        `INSERT INTO reservations VALUES ('shop', 'o-9', 'read-1', 1, 'reserved', NULL, now() + interval '5 min', '{}', '{}', now(), now(), 3)`,
      );
      await api.db.pool.query(
        `INSERT INTO stock_alerts VALUES ('read-1', 'low-stock', 10, 8, now(), NULL, true)`,
      );
    });

    it('shows one SKU across its channels, lists SKUs, open reservations and open alerts', async () => {
      const one = await api.call('GET', '/v1/skus/read-1', { key: analyst });
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({
        sku: 'read-1',
        onHand: 8,
        available: 7,
        channels: [{ channel: 'taobao', target: 7 }],
      });
      expect(one.body.alert).toMatchObject({ open: true, threshold: 10 });
      const list = await api.call('GET', '/v1/skus?limit=10', { key: analyst });
      expect(list.body.items.map((s: { sku: string }) => s.sku)).toEqual(['read-1']);
      const reservations = await api.call('GET', '/v1/reservations?sku=read-1', { key: analyst });
      expect(reservations.body.items).toEqual([
        expect.objectContaining({ channel: 'shop', channelOrderId: 'o-9', status: 'reserved' }),
      ]);
      const alerts = await api.call('GET', '/v1/alerts', { key: analyst });
      expect(alerts.body.items).toEqual([expect.objectContaining({ sku: 'read-1', onHand: 8 })]);
      const missing = await api.call('GET', '/v1/skus/none', { key: analyst });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('API.NOT_FOUND');
    });
  });

  describe('orders', () => {
    it("shows one order's history from the event store, with who did each step, and 404 for an order no SKU knows", async () => {
      const as = { key: inventoryAdmin };
      await api.call('POST', '/v1/skus', { ...as, json: { sku: 'hist-1', kind: 'quantity' } });
      await api.call('POST', '/v1/skus/hist-1/receipts', { ...as, json: { batchId: 'po-1', quantity: 2 } });
      await api.placeOrder({ sku: 'hist-1', channelOrderId: 'o-hist', quantity: 2 });
      await api.placeOrder({ sku: 'hist-1', channelOrderId: 'o-late', quantity: 1 });
      const release = await api.call('POST', '/v1/skus/hist-1/reservations/shop/o-hist/release', {
        key: operator,
        json: { note: 'buyer changed their mind' },
      });
      expect(release.status).toBe(200);

      // The projector does not run here, so the read models do not know the order: its SKU is named.
      const history = await api.call('GET', '/v1/orders/shop/o-hist?sku=hist-1', { key: analyst });
      expect(history.status).toBe(200);
      expect(history.body.steps).toEqual([
        expect.objectContaining({
          step: 'placed-and-reserved',
          sku: 'hist-1',
          detail: expect.objectContaining({ quantity: 2 }),
        }),
        expect.objectContaining({
          step: 'cancelled',
          actor: 'orders-olga',
          detail: { quantity: 2, note: 'buyer changed their mind' },
        }),
      ]);
      const rejected = await api.call('GET', '/v1/orders/shop/o-late?sku=hist-1', { key: analyst });
      expect(rejected.body.steps).toEqual([
        expect.objectContaining({ step: 'rejected', detail: { reason: 'INSUFFICIENT_STOCK', requested: 1 } }),
      ]);

      const unknown = await api.call('GET', '/v1/orders/shop/o-none?sku=hist-1', { key: analyst });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('API.NOT_FOUND');
      const bad = await api.call('GET', '/v1/orders/shop/o-hist?sku=' + 'x'.repeat(300), { key: analyst });
      expect(bad.status).toBe(400);
    });

    it('searches orders in the read model by SKU, state and time placed, newest first', async () => {
      await api.db.pool.query(
        `INSERT INTO reservations VALUES
           ('shop', 'q-1', 'srch-1', 1, 'confirmed', NULL, NULL, '{}', '{}', '2026-11-01T10:00:00Z', now(), 3),
           ('shop', 'q-2', 'srch-1', 2, 'rejected', 'INSUFFICIENT_STOCK', NULL, '{}', '{}', '2026-11-02T10:00:00Z', now(), 4),
           ('pdd', 'q-3', 'srch-1', 1, 'confirmed', NULL, NULL, '{}', '{}', '2026-11-03T10:00:00Z', now(), 5)`,
      );
      const confirmed = await api.call('GET', '/v1/orders?sku=srch-1&state=confirmed', { key: analyst });
      expect(confirmed.body.items.map((o: { channelOrderId: string }) => o.channelOrderId)).toEqual([
        'q-3',
        'q-1',
      ]);
      const window = await api.call(
        'GET',
        '/v1/orders?sku=srch-1&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z',
        { key: analyst },
      );
      expect(window.body.items).toEqual([
        expect.objectContaining({ channelOrderId: 'q-2', state: 'rejected', reason: 'INSUFFICIENT_STOCK' }),
      ]);
      expect((await api.call('GET', '/v1/orders?state=lost', { key: analyst })).status).toBe(400);
    });

    it('lists the manual queue highest order-rule priority first, then the longest waiting (sort=queue)', async () => {
      await api.db.pool.query(
        `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, reason, expires_at,
                                   allocated_unit_ids, loop_unit_ids, created_at, updated_at, updated_version, priority)
         VALUES ('shop', 'm-old', 'queue-1', 1, 'awaiting-keys', NULL, NULL, '{}', '{}', '2026-11-01T10:00:00Z', now(), 3, NULL),
                ('shop', 'm-new', 'queue-1', 1, 'awaiting-keys', NULL, NULL, '{}', '{}', '2026-11-03T10:00:00Z', now(), 4, NULL),
                ('shop', 'm-vip', 'queue-1', 1, 'awaiting-keys', NULL, NULL, '{}', '{}', '2026-11-04T10:00:00Z', now(), 5, 90),
                ('shop', 'm-mid', 'queue-1', 1, 'awaiting-keys', NULL, NULL, '{}', '{}', '2026-11-02T10:00:00Z', now(), 6, 10)`,
      );
      const ids = async (query: string) =>
        (
          await api.call('GET', `/v1/orders?sku=queue-1&state=awaiting-keys${query}`, { key: analyst })
        ).body.items.map((o: { channelOrderId: string; priority?: number }) => [
          o.channelOrderId,
          o.priority ?? null,
        ]);
      expect(await ids('&sort=queue')).toEqual([
        ['m-vip', 90],
        ['m-mid', 10],
        ['m-old', null],
        ['m-new', null],
      ]);
      expect((await ids('')).map(([id]: [string]) => id)).toEqual(['m-vip', 'm-new', 'm-mid', 'm-old']);
      expect((await api.call('GET', '/v1/orders?sort=oldest', { key: analyst })).status).toBe(400);
    });
  });

  it('serves Swagger UI at /docs and counts requests in /metrics', async () => {
    const docs = await fetch(`${api.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/stocksync_api_requests_total\{[^}]*route="\/v1\/skus"/);
    expect(metrics).toMatch(/stocksync_api_auth_failures_total\{[^}]*reason="forbidden"/);
  });

  it('labels requests by a fixed set of methods: an unusual one counts as "other"', async () => {
    for (const method of ['PROPFIND', 'MKCOL', 'PURGE']) await fetch(`${api.url}/v1/skus`, { method });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    const methods = [...metrics.matchAll(/stocksync_api_requests_total\{[^}]*method="([^"]*)"/g)].map(
      (m) => m[1],
    );
    expect(methods).toContain('other');
    expect(new Set(methods)).toEqual(
      new Set(methods.filter((m) => /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|other)$/.test(m))),
    );
  });
});

describe('operations API rate limit', () => {
  let api: ApiTestApp;
  beforeAll(async () => {
    api = await startApiTestApp('api_rate', { API_RATE_LIMIT_PER_SECOND: '1', API_RATE_LIMIT_BURST: '3' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers 429 API.RATE_LIMITED with Retry-After once a key has used its burst', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await api.call('GET', '/v1/alerts');
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).toEqual([503, 503, 503]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(last!.body.code).toBe('API.RATE_LIMITED');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
