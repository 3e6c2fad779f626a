import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@libs/event-store';
import { skuStreamId } from '@libs/inventory-application';
import { migrateReadModels } from '@libs/read-models';
import { eventually } from '@libs/testing';
import { Projector } from '../../projector/src/projector';
import { startApiTestApp, type ApiTestApp } from './api-test-app';

describe('projection quarantine routes', () => {
  let api: ApiTestApp;
  let analyst: string;
  let inventoryAdmin: string;

  beforeAll(async () => {
    api = await startApiTestApp('api_projection_quarantine');
    await migrateReadModels(api.db.pool);
    analyst = await api.keyFor('analyst', 'analyst-ann');
    inventoryAdmin = await api.keyFor('inventory-admin', 'stock-sam');
  });
  afterAll(() => api?.close());

  it('lists set-aside SKUs for every role; a retry request is for inventory-admin and the projector serves it', async () => {
    expect((await api.call('GET', '/v1/projection/quarantine', { key: analyst })).body).toEqual({
      items: [],
    });

    // A SKU whose stream holds a type this build does not know: the projector sets it aside.
    const store = await PostgresEventStore.create(api.db.pool);
    await store.appendToStream(skuStreamId('Q-1'), 'no_stream', [
      {
        eventId: randomUUID(),
        type: 'SkuRegistered',
        data: {
          sku: 'Q-1',
          at: 1,
          actor: null,
          kind: 'quantity',
          lowStockThreshold: null,
          perOrderCap: null,
        },
      },
      { eventId: randomUUID(), type: 'StockTeleported', data: { sku: 'Q-1', at: 2, actor: null } },
    ]);
    const projector = new Projector(api.db.pool, store, { pollIntervalMs: 20, quarantinePollMs: 20 });
    await projector.start();
    try {
      await eventually(
        async () =>
          (await api.call('GET', '/v1/projection/quarantine', { key: analyst })).body.items.length === 1 ||
          undefined,
        20_000,
        'Q-1 to be set aside',
      );
      const listed = await api.call('GET', '/v1/projection/quarantine?limit=10', { key: analyst });
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          sku: 'Q-1',
          version: 2,
          eventType: 'StockTeleported',
          reasonCode: 'PROJECTOR.UNKNOWN_EVENT_TYPE',
          attempts: 1,
          skippedEvents: 0,
          retryRequestedAt: null,
        }),
      ]);

      expect((await api.call('POST', '/v1/projection/quarantine/Q-1/retry', { key: analyst })).status).toBe(
        403,
      );
      const missing = await api.call('POST', '/v1/projection/quarantine/NOPE/retry', { key: inventoryAdmin });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('API.NOT_FOUND');

      const asked = await api.call('POST', '/v1/projection/quarantine/Q-1/retry', { key: inventoryAdmin });
      expect(asked.status).toBe(202);
      expect(asked.body).toMatchObject({ sku: 'Q-1', retryRequestedBy: 'stock-sam' });
      expect(asked.body.retryRequestedAt).not.toBeNull();

      // The event is still unknown to this build: the projector tried again and kept the SKU aside.
      await eventually(
        async () => {
          const [row] = (await api.call('GET', '/v1/projection/quarantine', { key: analyst })).body.items;
          return (row?.attempts === 2 && row.retryRequestedAt === null) || undefined;
        },
        20_000,
        'the projector to serve the retry request',
      );
    } finally {
      await projector.stop();
    }
  });
});
