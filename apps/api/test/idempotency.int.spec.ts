import { randomUUID } from 'node:crypto';
import { IdempotencyKeys } from '../src/common/idempotency-keys';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * An `Idempotency-Key` names one request of one caller on one route: a retry (same key, same request) returns the
 * first outcome; the same key with another request is refused; the same key on another route or from another key
 * is a different command; and no key can take the command id of a channel event.
 */
describe('operations API idempotency keys', () => {
  let api: ApiTestApp;
  let sam: string;
  let kim: string;

  const eventCount = async (sku: string) =>
    (
      await api.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [
        `sku-${sku}`,
      ])
    ).rows[0].n;

  beforeAll(async () => {
    api = await startApiTestApp('api_idem');
    sam = await api.keyFor('inventory-admin', 'stock-sam');
    kim = await api.keyFor('inventory-admin', 'stock-kim');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('the same key with the same request returns the first outcome, whatever the JSON key order', async () => {
    const headers = { 'idempotency-key': 'retry-1' };
    const first = await api.call('POST', '/v1/skus', {
      key: sam,
      headers,
      json: { sku: 'idem-retry', kind: 'quantity', lowStockThreshold: 2 },
    });
    const again = await api.call('POST', '/v1/skus', {
      key: sam,
      headers,
      body: '{"lowStockThreshold":2,  "kind":"quantity","sku":"idem-retry"}',
      contentType: 'application/json',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ duplicate: false, changed: true });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ duplicate: true, version: 1, events: [{ type: 'SkuRegistered' }] });
  });

  it('the same key with another body answers 422 API.IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
    await api.call('POST', '/v1/skus', { key: sam, json: { sku: 'idem-body', kind: 'quantity' } });
    const headers = { 'idempotency-key': 'settings-1' };
    const first = await api.call('PATCH', '/v1/skus/idem-body/settings', {
      key: sam,
      headers,
      json: { lowStockThreshold: 5 },
    });
    expect(first.body).toMatchObject({ changed: true, duplicate: false });
    const before = await eventCount('idem-body');

    const other = await api.call('PATCH', '/v1/skus/idem-body/settings', {
      key: sam,
      headers,
      json: { lowStockThreshold: 9 },
    });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'API.IDEMPOTENCY_KEY_REUSED' });
    expect(await eventCount('idem-body')).toBe(before);
  });

  it('the same key and body for another SKU (a path parameter) is another request: 422', async () => {
    for (const sku of ['idem-p1', 'idem-p2'])
      await api.call('POST', '/v1/skus', { key: sam, json: { sku, kind: 'quantity' } });
    const headers = { 'idempotency-key': 'settings-p' };
    const json = { perOrderCap: 4 };
    expect((await api.call('PATCH', '/v1/skus/idem-p1/settings', { key: sam, headers, json })).status).toBe(
      200,
    );
    const other = await api.call('PATCH', '/v1/skus/idem-p2/settings', { key: sam, headers, json });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('API.IDEMPOTENCY_KEY_REUSED');
  });

  it('the same key on another route is a different command', async () => {
    const headers = { 'idempotency-key': 'shared-key' };
    const register = await api.call('POST', '/v1/skus', {
      key: sam,
      headers,
      json: { sku: 'idem-route', kind: 'quantity' },
    });
    expect(register.body).toMatchObject({ changed: true, events: [{ type: 'SkuRegistered' }] });
    const settings = await api.call('PATCH', '/v1/skus/idem-route/settings', {
      key: sam,
      headers,
      json: { perOrderCap: 3 },
    });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({
      duplicate: false,
      changed: true,
      events: [{ type: 'SkuSettingsChanged', data: { perOrderCap: 3 } }],
    });
  });

  it('the same key from another API key is a different command, never the other caller’s outcome', async () => {
    const headers = { 'idempotency-key': 'caller-key' };
    await api.call('POST', '/v1/skus', { key: sam, json: { sku: 'idem-caller', kind: 'quantity' } });
    const bySam = await api.call('PATCH', '/v1/skus/idem-caller/settings', {
      key: sam,
      headers,
      json: { lowStockThreshold: 1 },
    });
    expect(bySam.body).toMatchObject({ changed: true, duplicate: false });
    const byKim = await api.call('PATCH', '/v1/skus/idem-caller/settings', {
      key: kim,
      headers,
      json: { lowStockThreshold: 7 },
    });
    expect(byKim.status).toBe(200);
    expect(byKim.body).toMatchObject({
      duplicate: false,
      changed: true,
      events: [{ type: 'SkuSettingsChanged', data: { lowStockThreshold: 7, actor: 'stock-kim' } }],
    });
  });

  it('a key equal to a future channel event id does not pre-empt that event', async () => {
    await api.call('POST', '/v1/skus', { key: sam, json: { sku: 'idem-chan', kind: 'quantity' } });
    await api.call('POST', '/v1/skus/idem-chan/receipts', {
      key: sam,
      json: { batchId: 'po-1', quantity: 10 },
    });
    const futureEventId = randomUUID();
    const preempt = await api.call('PATCH', '/v1/skus/idem-chan/settings', {
      key: sam,
      headers: { 'idempotency-key': futureEventId },
      json: { lowStockThreshold: 1 },
    });
    expect(preempt.status).toBe(200);

    // The inventory service decides a channel event with its envelope's event id as the command id.
    const reserved = await api.placeOrder({
      sku: 'idem-chan',
      channelOrderId: 'o-1',
      quantity: 2,
      eventId: futureEventId,
    });
    expect(reserved.events).toMatchObject([{ type: 'StockReserved' }]);

    const { rows } = await api.db.pool.query<{ commandId: string }>(
      `SELECT metadata->>'commandId' AS "commandId" FROM events WHERE stream_id = 'sku-idem-chan' AND type = 'SkuSettingsChanged'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].commandId).not.toBe(futureEventId);
  });

  it('prunes keys older than the retention in bounded batches and keeps fresh ones', async () => {
    const headers = (k: string) => ({ 'idempotency-key': k });
    for (const k of ['prune-old-1', 'prune-old-2', 'prune-old-3', 'prune-fresh'])
      await api.call('POST', '/v1/skus', {
        key: sam,
        headers: headers(k),
        json: { sku: `idem-${k}`, kind: 'quantity' },
      });
    await api.db.pool.query(
      `UPDATE api_idempotency_keys SET created_at = now() - interval '169 hours' WHERE idempotency_key LIKE 'prune-old-%'`,
    );
    const keys = api.app.get(IdempotencyKeys);

    expect(await keys.pruneOlderThan(168, 2)).toBe(3);

    const { rows } = await api.db.pool.query<{ k: string }>(
      `SELECT idempotency_key AS k FROM api_idempotency_keys WHERE idempotency_key LIKE 'prune-%' ORDER BY 1`,
    );
    expect(rows.map((r) => r.k)).toEqual(['prune-fresh']);
  });

  it('after its row was pruned, the same key with another request is a new command', async () => {
    await api.call('POST', '/v1/skus', { key: sam, json: { sku: 'idem-expired', kind: 'quantity' } });
    const headers = { 'idempotency-key': 'expires-1' };
    const first = await api.call('PATCH', '/v1/skus/idem-expired/settings', {
      key: sam,
      headers,
      json: { lowStockThreshold: 5 },
    });
    expect(first.body).toMatchObject({ changed: true, duplicate: false });
    await api.db.pool.query(
      `UPDATE api_idempotency_keys SET created_at = now() - interval '200 hours' WHERE idempotency_key = 'expires-1'`,
    );
    await api.app.get(IdempotencyKeys).pruneOlderThan(168, 100);

    const later = await api.call('PATCH', '/v1/skus/idem-expired/settings', {
      key: sam,
      headers,
      json: { lowStockThreshold: 9 },
    });
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ changed: true, duplicate: false });
  });

  it('refuses a malformed key before anything is stored', async () => {
    const res = await api.call('POST', '/v1/skus', {
      key: sam,
      headers: { 'idempotency-key': 'has space' },
      json: { sku: 'idem-bad', kind: 'quantity' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('API.VALIDATION_FAILED');
    expect(await eventCount('idem-bad')).toBe(0);
  });
});
