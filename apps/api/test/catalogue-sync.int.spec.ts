import { SupplierSimulator } from '@libs/platform-simulators';
import { migrateReadModels, readModelTypes } from '@libs/read-models';
import { startApp, type StartedApp } from '@libs/runtime';
import { deleteTopicsWithPrefix, eventually, uniqueTopicPrefix } from '@libs/testing';
import { ProjectorModule } from '../../projector/src/projector.module';
import { CatalogueSyncScheduler } from '../src/catalogue-syncs/catalogue-sync.scheduler';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

/*
 * Catalogue sync (主站 → 分站) on PostgreSQL and Kafka, with the inventory service and the projector running and a
 * SupplierSimulator on loopback as the main station. The previews compare against the read models, so each test
 * that follows an apply first waits for the projector to have the supplier's reports in sku_suppliers.
 */

const SECRET = 'main-station-secret-0123456789';
const SUPPLIER = 'main-station';
const PRODUCTS = ['P1', 'P2', 'P3', 'P4', 'P5'];

const seed = (productId: string, supplyPrice: number) => ({
  productId,
  name: `卡密 ${productId}`,
  kind: 'cardKey' as const,
  faceValue: 1_000,
  supplyPrice,
  secrets: [`${productId}-k1`, `${productId}-k2`, `${productId}-k3`],
});

describe('catalogue sync', () => {
  let api: ApiTestApp;
  let projector: StartedApp;
  let stock: string;
  const main = new SupplierSimulator({ appId: 'stocksync', secret: SECRET });
  const topicPrefix = uniqueTopicPrefix('catalogue-sync');
  let firstSync: string;

  const count = async (sql: string, params: unknown[] = []) =>
    (await api.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n;
  const startSync = (
    json: unknown = { supplierId: SUPPLIER },
    key?: string,
    headers?: Record<string, string>,
  ) => api.call('POST', '/v1/catalogue/syncs', { key: key ?? stock, json, headers });
  const apply = (syncId: string, json: unknown = {}, key?: string) =>
    api.call('POST', `/v1/catalogue/syncs/${syncId}/apply`, { key: key ?? stock, json });

  /** Waits until sku_suppliers holds every one of these SKUs' reports at this price. */
  const projected = (expected: Record<string, number>) =>
    eventually(
      async () => {
        const { rows } = await api.db.pool.query({
          text: `SELECT sku, supply_price FROM sku_suppliers WHERE supplier_id = $1 AND observed_at IS NOT NULL`,
          values: [SUPPLIER],
          types: readModelTypes,
        });
        const prices = Object.fromEntries(rows.map((r) => [r.sku, r.supply_price]));
        return Object.entries(expected).every(([sku, price]) => prices[sku] === price) || undefined;
      },
      30_000,
      `sku_suppliers at ${JSON.stringify(expected)}`,
    );

  beforeAll(async () => {
    await main.start();
    main.seed(PRODUCTS.map((id) => seed(id, 950)));
    api = await startApiTestApp('api_catalogue_sync', {
      SUPPLIERS: JSON.stringify([
        {
          id: SUPPLIER,
          baseUrl: main.url,
          appId: 'stocksync',
          secret: SECRET,
          timeoutMs: 3_000,
          pollIntervalMs: 60_000,
          noticesEnabled: false,
        },
      ]),
      CATALOGUE_SYNC_MAPPINGS: JSON.stringify({ [SUPPLIER]: { skuPrefix: 'ms-' } }),
    });
    await migrateReadModels(api.db.pool);
    const server = process.env.DATABASE_URL;
    Object.assign(process.env, {
      DATABASE_URL: api.db.url,
      KAFKA_TOPIC_PREFIX: topicPrefix,
      PROJECTOR_POLL_INTERVAL_MS: '20',
      OUTBOX_RELAY_POLL_INTERVAL_MS: '50',
    });
    try {
      projector = await startApp(ProjectorModule);
    } finally {
      process.env.DATABASE_URL = server;
    }
    stock = await api.keyFor('inventory-admin', 'stock-sam');
  });

  afterAll(async () => {
    await projector?.app.close();
    await api?.close();
    await main.stop();
    await deleteTopicsWithPrefix(topicPrefix);
  });

  it('previews five products the 分站 does not have as new, under the mapped SKUs, and changes nothing', async () => {
    const res = await startSync();
    expect(res.status).toBe(201);
    firstSync = res.body.syncId;
    expect(res.body).toMatchObject({
      supplierId: SUPPLIER,
      mapping: { skuPrefix: 'ms-', skuFrom: 'productId' },
      source: 'operator',
      requestedBy: 'stock-sam',
      products: 5,
      counts: { new: 5, changed: 0, unchanged: 0, gone: 0, invalid: 0 },
      firstAppliedAt: null,
      nextCursor: null,
    });
    expect(res.body.rows).toEqual(
      PRODUCTS.map((productId) => ({
        productId,
        sku: `ms-${productId}`,
        status: 'new',
        product: {
          name: `卡密 ${productId}`,
          faceValue: 1_000,
          supplyPrice: 950,
          stock: 3,
          status: 'on_sale',
          kind: 'cardKey',
        },
        applied: null,
      })),
    );
    expect(await count(`event_streams WHERE stream_id LIKE 'sku-ms-%'`)).toBe(0);
  });

  it('pages the rows of a sync by status and lists the syncs', async () => {
    const first = await api.call('GET', `/v1/catalogue/syncs/${firstSync}?status=new&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.rows.map((r: { productId: string }) => r.productId)).toEqual(['P1', 'P2']);
    const second = await api.call(
      'GET',
      `/v1/catalogue/syncs/${firstSync}?status=new&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.rows.map((r: { productId: string }) => r.productId)).toEqual(['P3', 'P4']);
    const gone = await api.call('GET', `/v1/catalogue/syncs/${firstSync}?status=gone`);
    expect(gone.body).toMatchObject({ rows: [], nextCursor: null });

    const analyst = await api.keyFor('analyst');
    const list = await api.call('GET', `/v1/catalogue/syncs?supplierId=${SUPPLIER}`, { key: analyst });
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: { syncId: string }) => s.syncId)).toEqual([firstSync]);
    expect(list.body.items[0].rows).toBeUndefined();
  });

  it('applies the sync: each SKU registered as a supplier SKU, linked to its product, attributed to the key', async () => {
    const res = await apply(firstSync);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      syncId: firstSync,
      appliedBy: 'stock-sam',
      counts: { applied: 5, already_applied: 0, unchanged: 0, refused: 0, rejected: 0 },
      skipped: [],
      gone: { count: 0 },
    });
    expect(res.body.rows).toEqual(
      PRODUCTS.map((productId) => ({ productId, sku: `ms-${productId}`, status: 'new', result: 'applied' })),
    );

    const { rows: events } = await api.db.pool.query(
      `SELECT stream_id, type, data->>'actor' AS actor, metadata->>'catalogueSync' AS sync
         FROM events WHERE stream_id = 'sku-ms-P1' ORDER BY version`,
    );
    expect(events).toEqual(
      ['SkuRegistered', 'SupplyConfigured', 'SupplierStockObserved'].map((type) => ({
        stream_id: 'sku-ms-P1',
        type,
        actor: 'stock-sam',
        sync: firstSync,
      })),
    );
    const { rows: registered } = await api.db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE type = 'SkuRegistered' AND data->>'kind' = 'supplier'
          AND metadata->>'catalogueSync' = $1`,
      [firstSync],
    );
    expect(registered[0].n).toBe(5);

    await projected(Object.fromEntries(PRODUCTS.map((p) => [`ms-${p}`, 950])));
    const kinds = await api.db.pool.query(
      `SELECT sku, kind FROM sku_stock WHERE sku LIKE 'ms-%' ORDER BY sku`,
    );
    expect(kinds.rows).toEqual(PRODUCTS.map((p) => ({ sku: `ms-${p}`, kind: 'supplier' })));
    const suppliers = await api.call('GET', '/v1/skus/ms-P1/suppliers');
    expect(suppliers.body).toEqual({
      sku: 'ms-P1',
      suppliers: [
        {
          supplierId: SUPPLIER,
          productId: 'P1',
          priority: 0,
          stock: 3,
          onSale: true,
          supplyPrice: 950,
          observedAt: expect.any(String),
          takenSinceReport: 0,
        },
      ],
    });

    const sync = await api.call('GET', `/v1/catalogue/syncs/${firstSync}`);
    expect(sync.body).toMatchObject({ firstAppliedBy: 'stock-sam', lastAppliedBy: 'stock-sam' });
    expect(sync.body.rows[0].applied).toEqual({
      at: expect.any(String),
      by: 'stock-sam',
      result: 'applied',
      reason: null,
    });
  });

  it('applying the same sync again decides nothing: every row already_applied, no event added', async () => {
    const events = await count('events');
    const res = await apply(firstSync, {}, await api.keyFor('inventory-admin', 'stock-tom'));
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({
      applied: 0,
      already_applied: 5,
      unchanged: 0,
      refused: 0,
      rejected: 0,
    });
    expect(await count('events')).toBe(events);
    // The rows keep who first brought them in; the sync records the latest apply too.
    const sync = await api.call('GET', `/v1/catalogue/syncs/${firstSync}`);
    expect(sync.body).toMatchObject({ firstAppliedBy: 'stock-sam', lastAppliedBy: 'stock-tom' });
    expect(sync.body.rows[0].applied).toMatchObject({ by: 'stock-sam', result: 'already_applied' });
  });

  it('a sync after the apply shows every row unchanged', async () => {
    const res = await startSync();
    expect(res.body.counts).toEqual({ new: 0, changed: 0, unchanged: 5, gone: 0, invalid: 0 });
  });

  it('a price changed and a product removed upstream: exactly one changed (price old → new), one gone', async () => {
    await main.changeProduct('P2', { supplyPrice: 990 }, false);
    main.products.delete('P5');
    const res = await startSync();
    expect(res.body.counts).toEqual({ new: 0, changed: 1, unchanged: 3, gone: 1, invalid: 0 });
    const changed = res.body.rows.filter((r: { status: string }) => r.status === 'changed');
    expect(changed).toEqual([
      expect.objectContaining({
        productId: 'P2',
        sku: 'ms-P2',
        changes: [{ field: 'supplyPrice', old: 950, new: 990 }],
      }),
    ]);
    expect(res.body.rows[res.body.rows.length - 1]).toEqual({
      productId: 'P5',
      sku: 'ms-P5',
      status: 'gone',
      last: { supplyPrice: 950, stock: 3, status: 'on_sale' },
      applied: null,
    });

    const applied = await apply(res.body.syncId);
    expect(applied.body.counts).toMatchObject({ applied: 1 });
    expect(applied.body.rows).toEqual([
      { productId: 'P2', sku: 'ms-P2', status: 'changed', result: 'applied' },
    ]);
    expect(applied.body.gone).toEqual({ count: 1, note: expect.stringContaining('report only') });
    // Gone is reported, never acted on: the SKU still lists the vanished product.
    expect(await count(`events WHERE stream_id = 'sku-ms-P5'`)).toBe(3);

    await projected({ 'ms-P2': 990 });
    const after = await startSync();
    expect(after.body.counts).toEqual({ new: 0, changed: 0, unchanged: 4, gone: 1, invalid: 0 });
  });

  it('reports rows StockSync cannot take, each with its reason, and applies none of them', async () => {
    expect(
      (await api.call('POST', '/v1/skus', { key: stock, json: { sku: 'ms-COUNTED', kind: 'quantity' } }))
        .status,
    ).toBe(201);
    await eventually(
      async () => (await count(`sku_stock WHERE sku = 'ms-COUNTED'`)) === 1 || undefined,
      30_000,
      'ms-COUNTED in sku_stock',
    );
    const long = 'L'.repeat(128);
    main.seed([seed('COUNTED', 500), seed(long, 500)]);
    const res = await startSync();
    expect(res.body.counts).toEqual({ new: 0, changed: 0, unchanged: 4, gone: 1, invalid: 2 });
    const invalid = await api.call('GET', `/v1/catalogue/syncs/${res.body.syncId}?status=invalid`);
    expect(invalid.body.rows).toEqual([
      expect.objectContaining({
        productId: 'COUNTED',
        sku: 'ms-COUNTED',
        reason: 'kind_conflict',
        changes: [{ field: 'kind', old: 'quantity', new: 'supplier' }],
      }),
      expect.objectContaining({
        productId: long,
        sku: null,
        reason: 'invalid_sku',
        detail: 'IDENTIFIER.TOO_LONG',
      }),
    ]);

    const events = await count('events');
    const named = await apply(res.body.syncId, { rows: ['COUNTED', 'P1'] });
    expect(named.status).toBe(200);
    expect(named.body.rows).toEqual([]);
    expect(named.body.skipped).toEqual([
      { productId: 'COUNTED', sku: 'ms-COUNTED', status: 'invalid' },
      { productId: 'P1', sku: 'ms-P1', status: 'unchanged' },
    ]);
    expect(await count('events')).toBe(events);
    main.products.delete('COUNTED');
    main.products.delete(long);
  });

  it('answers stable codes: an unknown supplier, sync or row, a supplier that fails', async () => {
    const unknown = await startSync({ supplierId: 'nowhere' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('SUPPLY.UNKNOWN_SUPPLIER');
    const noSync = await api.call('GET', '/v1/catalogue/syncs/00000000-0000-4000-8000-000000000000');
    expect(noSync.status).toBe(404);
    expect(noSync.body.code).toBe('CATALOGUE_SYNC.NOT_FOUND');
    const noRow = await apply(firstSync, { rows: ['NOT-IN-IT'] });
    expect(noRow.status).toBe(422);
    expect(noRow.body).toMatchObject({
      code: 'CATALOGUE_SYNC.UNKNOWN_ROWS',
      details: { productIds: ['NOT-IN-IT'] },
    });
    const badPrefix = await startSync({ supplierId: SUPPLIER, mapping: { skuPrefix: 'has space' } });
    expect(badPrefix.status).toBe(400);
    expect(badPrefix.body.code).toBe('API.VALIDATION_FAILED');

    const syncs = await count('catalogue_syncs');
    main.faults.serverErrors = 1;
    const failed = await startSync();
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({
      code: 'CATALOGUE_SYNC.SUPPLIER_FAILED',
      details: { supplierCode: 'HTTP_503', retryable: true },
    });
    expect(await count('catalogue_syncs')).toBe(syncs);

    // A page that breaks the contract (a negative price) is refused whole by the client: the sync fails, naming the
    // field, and stores nothing (a partial catalogue would make every product after it look gone).
    main.seed([seed('NEGATIVE', -5)]);
    const hostile = await startSync();
    expect(hostile.status).toBe(502);
    expect(hostile.body).toMatchObject({
      code: 'CATALOGUE_SYNC.SUPPLIER_FAILED',
      details: { supplierCode: 'BAD_RESPONSE' },
    });
    expect(hostile.body.message).toMatch(/items\[\d+\]\.supplyPrice/);
    expect(await count('catalogue_syncs')).toBe(syncs);
    main.products.delete('NEGATIVE');
  });

  it('refuses the writes to a role without inventory-admin (403), lets every role read', async () => {
    for (const role of ['analyst', 'order-operator']) {
      const key = await api.keyFor(role);
      expect((await startSync({ supplierId: SUPPLIER }, key)).status).toBe(403);
      expect((await apply(firstSync, {}, key)).status).toBe(403);
      const put = await api.call('PUT', '/v1/skus/ms-P1/suppliers', {
        key,
        json: { suppliers: [{ supplierId: SUPPLIER, productId: 'P1' }] },
      });
      expect(put.status).toBe(403);
      expect(put.body.code).toBe('API.FORBIDDEN');
      expect((await api.call('GET', `/v1/catalogue/syncs/${firstSync}`, { key })).status).toBe(200);
      expect((await api.call('GET', '/v1/skus/ms-P1/suppliers', { key })).status).toBe(200);
    }
  });

  it("sets a supplier SKU's suppliers: idempotent by key, checked against SUPPLIERS and the SKU's kind", async () => {
    const put = (sku: string, json: unknown, headers?: Record<string, string>) =>
      api.call('PUT', `/v1/skus/${sku}/suppliers`, { key: stock, json, headers });
    const body = { suppliers: [{ supplierId: SUPPLIER, productId: 'P1' }], safetyBuffer: 1 };
    const first = await put('ms-P1', body, { 'idempotency-key': 'buffer-1' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      changed: true,
      duplicate: false,
      events: [{ type: 'SupplyConfigured' }],
    });
    const again = await put('ms-P1', body, { 'idempotency-key': 'buffer-1' });
    expect(again.body).toMatchObject({ changed: false, duplicate: true });
    const same = await put('ms-P1', body);
    expect(same.body).toMatchObject({ changed: false, events: [] });

    const stranger = await put('ms-P1', { suppliers: [{ supplierId: 'nowhere', productId: 'P1' }] });
    expect(stranger.status).toBe(404);
    expect(stranger.body).toMatchObject({
      code: 'SUPPLY.UNKNOWN_SUPPLIER',
      details: { supplierIds: ['nowhere'] },
    });
    const counted = await put('ms-COUNTED', { suppliers: [{ supplierId: SUPPLIER, productId: 'X' }] });
    expect(counted.status).toBe(409);
    expect(counted.body.code).toBe('INVENTORY.KIND_MISMATCH');
    const twice = await put('ms-P1', {
      suppliers: [
        { supplierId: SUPPLIER, productId: 'P1' },
        { supplierId: SUPPLIER, productId: 'P2' },
      ],
    });
    expect(twice.status).toBe(400);
    const eleven = await put('ms-P1', {
      suppliers: Array.from({ length: 11 }, (_, i) => ({ supplierId: `s${i}`, productId: 'P' })),
    });
    expect(eleven.status).toBe(400);
    expect((await api.call('GET', '/v1/skus/ms-NONE/suppliers')).status).toBe(404);
  });

  it('the same Idempotency-Key answers the same sync without reading the catalogue again', async () => {
    const headers = { 'idempotency-key': 'nightly-2026-12-01' };
    const first = await startSync({ supplierId: SUPPLIER }, undefined, headers);
    expect(first.status).toBe(201);
    const since = Date.now();
    const again = await startSync({ supplierId: SUPPLIER }, undefined, headers);
    expect(again.body.syncId).toBe(first.body.syncId);
    expect(main.stockCalls(since).filter((c) => c.api === 'GET /v1/catalogue')).toEqual([]);
    const other = await startSync({ supplierId: SUPPLIER, safetyBuffer: 2 }, undefined, headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('API.IDEMPOTENCY_KEY_REUSED');
  });

  it('a scheduled round previews every supplier without applying', async () => {
    const before = await count('events');
    await api.app.get(CatalogueSyncScheduler).runOnce();
    const list = await api.call('GET', '/v1/catalogue/syncs?limit=1');
    expect(list.body.items[0]).toMatchObject({
      supplierId: SUPPLIER,
      source: 'schedule',
      requestedBy: 'catalogue-sync-schedule',
      firstAppliedAt: null,
    });
    expect(await count('events')).toBe(before);
  });

  it('deletes syncs past CATALOGUE_SYNC_RETENTION_DAYS (30), with their rows, after a preview', async () => {
    await api.db.pool.query(
      `UPDATE catalogue_syncs SET created_at = now() - interval '31 days' WHERE sync_id = $1`,
      [firstSync],
    );
    const syncs = await count('catalogue_syncs');
    expect((await startSync()).status).toBe(201);
    expect(await count('catalogue_syncs')).toBe(syncs);
    expect((await api.call('GET', `/v1/catalogue/syncs/${firstSync}`)).status).toBe(404);
    expect(await count('catalogue_sync_rows WHERE sync_id = $1', [firstSync])).toBe(0);
  });
});
