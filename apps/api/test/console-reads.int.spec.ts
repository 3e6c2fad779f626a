import { channelsMigrations } from '@libs/channels';
import { runMigrations } from '@libs/database';
import { migrateReadModels } from '@libs/read-models';
import { DataSource } from 'typeorm';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * The reads a client needs to show an operator what their key may do and what a SKU holds and went through: the
 * presented key, the SKU list with its channels and alert, and one SKU's stream (real PostgreSQL and Kafka).
 */
describe('operations API reads for a client', () => {
  let api: ApiTestApp;
  let analyst: string;
  let stock: string;
  let operator: string;

  beforeAll(async () => {
    api = await startApiTestApp('api_client_reads');
    // The projector owns the read models; none runs here, so their tables are made and filled by hand.
    await migrateReadModels(api.db.pool);
    analyst = await api.keyFor('analyst', 'analyst-ann');
    stock = await api.keyFor('inventory-admin', 'stock-sam');
    operator = await api.keyFor('order-operator', 'orders-olga');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('documents the three reads in the OpenAPI document', async () => {
    const docs = await api.call('GET', '/docs-json', { key: null });
    const paths = docs.body.paths;
    const params = (path: string) =>
      (paths[path].get.parameters as { name: string }[]).map((p) => p.name).sort();
    expect(paths['/v1/me'].get.summary).toEqual(expect.any(String));
    expect(params('/v1/skus')).toEqual(['after', 'limit', 'q']);
    expect(params('/v1/skus/{sku}/events')).toEqual(['after', 'before', 'limit', 'order', 'sku']);
    expect(paths['/v1/skus/{sku}/events'].get.summary).toEqual(expect.any(String));
  });

  describe('GET /v1/me', () => {
    it("answers every role with the presented key's id, name and role, and never the key", async () => {
      for (const [key, name, role] of [
        [analyst, 'analyst-ann', 'analyst'],
        [stock, 'stock-sam', 'inventory-admin'],
        [operator, 'orders-olga', 'order-operator'],
      ]) {
        const res = await api.call('GET', '/v1/me', { key });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ keyId: key.split('_')[1], name, role });
      }
      const admin = await api.call('GET', '/v1/me');
      expect(admin.body).toEqual({ keyId: 'bootstrap-admin', name: 'bootstrap-admin', role: 'admin' });
      expect(JSON.stringify(admin.body)).not.toContain(api.adminKey);
    });

    it('refuses a request without a valid key', async () => {
      for (const key of [null, 'nonsense']) {
        const res = await api.call('GET', '/v1/me', { key });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('API.UNAUTHORIZED');
      }
    });
  });

  describe('GET /v1/skus', () => {
    const SKUS = ['STEAM-100', 'a%b', 'steam-50', 'steam_50x', 'steamx50', 'xbox-10'];

    beforeAll(async () => {
      for (const [i, sku] of SKUS.entries()) {
        await api.db.pool.query(
          `INSERT INTO sku_stock VALUES ($1, 'quantity', 10, 0, 2, 8, 1, 0, 7, false, 0, 0, 5, $2, now())`,
          [sku, i + 1],
        );
      }
      await api.db.pool.query(
        `INSERT INTO channel_stock (channel, sku, target, target_version) VALUES
           ('taobao', 'steam-50', 7, 4), ('pdd', 'steam-50', 3, 4), ('shop', 'xbox-10', 5, 2)`,
      );
      await api.db.pool.query(
        `INSERT INTO stock_alerts VALUES ('steam-50', 'low-stock', 10, 8, '2026-11-30T08:00:00Z', NULL, true)`,
      );
    });

    /** The SQL the API's TypeORM data source runs while `during` runs, and the statements that failed. */
    async function sqlOf(during: () => Promise<void>): Promise<{ queries: string[]; failed: string[] }> {
      const logger = api.app.get(DataSource).logger;
      const queries = jest.spyOn(logger, 'logQuery');
      const failed = jest.spyOn(logger, 'logQueryError');
      try {
        await during();
        return {
          queries: queries.mock.calls.map(([sql]) => sql),
          failed: failed.mock.calls.map(([, sql]) => sql),
        };
      } finally {
        queries.mockRestore();
        failed.mockRestore();
      }
    }

    /** steam-50's channels as the list and the single-SKU route answer them (the test checks they agree). */
    async function channelsOfSteam50(): Promise<Record<string, unknown>[]> {
      const list = await api.call('GET', '/v1/skus?q=steam-50', { key: analyst });
      const one = await api.call('GET', '/v1/skus/steam-50', { key: analyst });
      expect([list.status, one.status]).toEqual([200, 200]);
      const item = (list.body.items as { sku: string; channels: Record<string, unknown>[] }[]).find(
        (s) => s.sku === 'steam-50',
      )!;
      expect(item.channels).toEqual(one.body.channels);
      return one.body.channels;
    }

    const NO_PUSH = {
      lastPushed: null,
      lastPushedVersion: null,
      lastPushedAt: null,
      lastAcked: null,
      lastAckedVersion: null,
      lastAckedAt: null,
      lastErrorCode: null,
      lastErrorAt: null,
    };

    // Runs before channel_push_state exists: a fresh database before any connector started.
    it("answers the channels' push state as null while the connectors' table is not there, without a failed query", async () => {
      const { queries, failed } = await sqlOf(async () => {
        for (let i = 0; i < 3; i++) {
          expect(await channelsOfSteam50()).toEqual([
            { channel: 'pdd', target: 3, targetVersion: 4, targetPublishedAt: null, ...NO_PUSH },
            { channel: 'taobao', target: 7, targetVersion: 4, targetPublishedAt: null, ...NO_PUSH },
          ]);
        }
      });
      expect(failed).toEqual([]);
      // Six reads in quick succession look for the table once: a missing table is looked for again only after
      // a few seconds.
      expect(queries.filter((sql) => /to_regclass/.test(sql)).length).toBeLessThanOrEqual(1);
    });

    it('shows what the connectors pushed, had acknowledged and last failed, from channel_push_state, in both routes', async () => {
      await runMigrations(api.db.pool, channelsMigrations);
      await api.db.pool.query(
        `INSERT INTO channel_push_state (channel, sku, desired_version, desired_quantity,
                                         last_pushed_version, last_pushed_quantity, last_pushed_at,
                                         last_acked_version, last_acked_quantity, last_acked_at,
                                         last_error_code, last_error_at) VALUES
           ('taobao', 'steam-50', 4, 7, 4, 7, '2026-12-01T10:00:01Z', 4, 7, '2026-12-01T10:00:02Z', NULL, NULL),
           ('pdd', 'steam-50', 4, 3, 4, 3, '2026-12-01T10:00:03Z', 3, 2, '2026-12-01T09:00:00Z',
            'PDD_PROMOTION_SLOT', '2026-12-01T10:00:04Z'),
           -- A channel the relay never announced a target to stays out of the SKU's channels.
           ('miniprogram', 'steam-50', NULL, NULL, 9, 5, '2026-12-01T10:00:05Z', NULL, NULL, NULL, NULL, NULL)`,
      );
      // The API looked for the table before it existed, and looks again after a few seconds, not on every read.
      const deadline = Date.now() + 15_000;
      let channels: Record<string, unknown>[] = [];
      const { queries, failed } = await sqlOf(async () => {
        channels = await channelsOfSteam50();
        while (channels[1]!.lastAcked === null && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          channels = await channelsOfSteam50();
        }
      });
      expect(failed).toEqual([]);
      expect(queries.filter((sql) => /to_regclass/.test(sql)).length).toBeLessThanOrEqual(2);
      expect(channels).toEqual([
        {
          channel: 'pdd',
          target: 3,
          targetVersion: 4,
          targetPublishedAt: null,
          lastPushed: 3,
          lastPushedVersion: 4,
          lastPushedAt: '2026-12-01T10:00:03.000Z',
          lastAcked: 2,
          lastAckedVersion: 3,
          lastAckedAt: '2026-12-01T09:00:00.000Z',
          lastErrorCode: 'PDD_PROMOTION_SLOT',
          lastErrorAt: '2026-12-01T10:00:04.000Z',
        },
        {
          channel: 'taobao',
          target: 7,
          targetVersion: 4,
          targetPublishedAt: null,
          lastPushed: 7,
          lastPushedVersion: 4,
          lastPushedAt: '2026-12-01T10:00:01.000Z',
          lastAcked: 7,
          lastAckedVersion: 4,
          lastAckedAt: '2026-12-01T10:00:02.000Z',
          lastErrorCode: null,
          lastErrorAt: null,
        },
      ]);
      // A channel without push state yet reads null, in both routes.
      const list = await api.call('GET', '/v1/skus?q=xbox', { key: analyst });
      const one = await api.call('GET', '/v1/skus/xbox-10', { key: analyst });
      const shop = { channel: 'shop', target: 5, targetVersion: 2, targetPublishedAt: null, ...NO_PUSH };
      expect(list.body.items[0].channels).toEqual([shop]);
      expect(one.body.channels).toEqual([shop]);
    });

    it("carries each SKU's channels and alert in the shapes of the single-SKU route", async () => {
      const list = await api.call('GET', '/v1/skus', { key: analyst });
      expect(list.status).toBe(200);
      expect(list.body.items.map((s: { sku: string }) => s.sku).sort()).toEqual([...SKUS].sort());
      const bySku = new Map<string, Record<string, unknown>>(
        list.body.items.map((s: { sku: string }) => [s.sku, s]),
      );
      for (const sku of ['steam-50', 'xbox-10', 'a%b']) {
        const one = await api.call('GET', `/v1/skus/${encodeURIComponent(sku)}`, { key: analyst });
        expect(one.status).toBe(200);
        expect(bySku.get(sku)!.channels).toEqual(one.body.channels);
        expect(bySku.get(sku)!.alert).toEqual(one.body.alert);
      }
      expect(bySku.get('steam-50')).toMatchObject({
        onHand: 8,
        channels: [
          { channel: 'pdd', target: 3, targetVersion: 4 },
          { channel: 'taobao', target: 7, targetVersion: 4 },
        ],
        alert: {
          threshold: 10,
          onHand: 8,
          raisedAt: '2026-11-30T08:00:00.000Z',
          clearedAt: null,
          open: true,
        },
      });
      expect(bySku.get('steam-50')!.channels).toEqual([
        expect.not.objectContaining({ sku: expect.anything() }),
        expect.not.objectContaining({ sku: expect.anything() }),
      ]);
      expect(bySku.get('a%b')).toMatchObject({ channels: [], alert: null });
    });

    it("reads a page's channels with their push state and its alerts with one query each, however many SKUs it holds", async () => {
      // The table is known to be there by now (the test above): that answer is kept, not asked again.
      const { queries } = await sqlOf(async () => {
        const list = await api.call('GET', '/v1/skus', { key: analyst });
        expect(list.body.items).toHaveLength(SKUS.length);
      });
      const reading = (table: string) => queries.filter((sql) => new RegExp(`\\b${table}\\b`).test(sql));
      expect(reading('channel_stock')).toHaveLength(1);
      expect(reading('channel_push_state')).toEqual(reading('channel_stock'));
      expect(reading('stock_alerts')).toHaveLength(1);
      expect(queries.filter((sql) => /to_regclass/.test(sql))).toEqual([]);
    });

    it('keeps the SKUs containing q, case-insensitive, with % and _ matching only themselves', async () => {
      const skus = async (query: string) => {
        const res = await api.call('GET', `/v1/skus?${query}`, { key: analyst });
        expect(res.status).toBe(200);
        return (res.body.items as { sku: string }[]).map((s) => s.sku).sort();
      };
      expect(await skus('q=steam')).toEqual(['STEAM-100', 'steam-50', 'steam_50x', 'steamx50'].sort());
      expect(await skus('q=EAM-')).toEqual(['STEAM-100', 'steam-50']);
      expect(await skus('q=m_5')).toEqual(['steam_50x']);
      expect(await skus('q=_')).toEqual(['steam_50x']);
      expect(await skus(`q=${encodeURIComponent('%')}`)).toEqual(['a%b']);
      expect(await skus(`q=${encodeURIComponent('\\')}`)).toEqual([]);
      expect(await skus('q=nothing-like-it')).toEqual([]);
      // Fullwidth letters are normalised as every SKU in the API is.
      expect(await skus(`q=${encodeURIComponent('ｘｂｏｘ')}`)).toEqual(['xbox-10']);
    });

    it('pages a filtered list by keyset as before', async () => {
      const first = await api.call('GET', '/v1/skus?q=steam&limit=2', { key: analyst });
      expect(first.body.items).toHaveLength(2);
      expect(first.body.next).toBe(first.body.items[1].sku);
      const second = await api.call(
        'GET',
        `/v1/skus?q=steam&limit=2&after=${encodeURIComponent(first.body.next)}`,
        { key: analyst },
      );
      expect(second.body.items).toHaveLength(2);
      const third = await api.call(
        'GET',
        `/v1/skus?q=steam&limit=2&after=${encodeURIComponent(second.body.next)}`,
        { key: analyst },
      );
      expect(third.body).toEqual({ items: [], next: null });
      const all = [...first.body.items, ...second.body.items].map((s: { sku: string }) => s.sku).sort();
      expect(all).toEqual(['STEAM-100', 'steam-50', 'steam_50x', 'steamx50'].sort());
    });

    it.each([
      ['whitespace', 'q=a%20b'],
      ['more than 128 characters', `q=${'x'.repeat(129)}`],
      ['nothing', 'q='],
    ])('refuses a q of %s', async (_what, query) => {
      const res = await api.call('GET', `/v1/skus?${query}`, { key: analyst });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('API.VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain('q');
    });
  });

  describe('GET /v1/skus/:sku/events', () => {
    const SKU = 'ev-keys';
    const SECRETS = ['EV-SECRET-1-abcdef', 'EV-SECRET-2-abcdef', 'EV-SECRET-3-abcdef'];

    beforeAll(async () => {
      const as = { key: stock };
      expect(
        (
          await api.call('POST', '/v1/skus', {
            ...as,
            json: { sku: SKU, kind: 'cardKey', lowStockThreshold: 1 },
          })
        ).status,
      ).toBe(201);
      const imported = await api.call('POST', `/v1/skus/${SKU}/card-keys/import?batchId=ev-b1`, {
        ...as,
        body: [...SECRETS, SECRETS[0]].join('\n'),
        contentType: 'text/plain',
      });
      expect(imported.body).toMatchObject({ imported: 3, duplicateInFile: 1 });
      await api.placeOrder({ sku: SKU, channelOrderId: 'ev-o1', quantity: 2 });
      await api.report({
        type: 'order.paid',
        payload: { channel: 'shop', channelOrderId: 'ev-o1', sku: SKU },
      });
      const policy = await api.call('PUT', `/v1/skus/${SKU}/channels/taobao/policy`, {
        ...as,
        json: { bufferQuantity: 0, sharePercent: 100, maxListed: null },
      });
      expect(policy.status).toBe(200);
    });

    it("answers any role the stream's events in version order, each with its time, actor and a summary", async () => {
      const res = await api.call('GET', `/v1/skus/${SKU}/events`, { key: analyst });
      expect(res.status).toBe(200);
      const { rows } = await api.db.pool.query<{ version: number; type: string }>(
        `SELECT version::int AS version, type FROM events WHERE stream_id = $1 ORDER BY version`,
        [`sku-${SKU}`],
      );
      expect(res.body.items.map((e: { version: number; type: string }) => [e.version, e.type])).toEqual(
        rows.map((r) => [r.version, r.type]),
      );
      expect(res.body.next).toBeNull();
      const byType = (type: string) => res.body.items.find((e: { type: string }) => e.type === type);
      expect(byType('SkuRegistered')).toEqual({
        version: 1,
        type: 'SkuRegistered',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        actor: 'stock-sam',
        summary: { kind: 'cardKey', lowStockThreshold: 1, perOrderCap: null },
      });
      expect(byType('CardKeysImported')).toMatchObject({
        actor: 'stock-sam',
        summary: { batchId: 'ev-b1', importedCount: 3, skippedCount: 0 },
      });
      expect(byType('StockReserved').summary).toEqual({
        channel: 'shop',
        channelOrderId: 'ev-o1',
        quantity: 2,
        lineCount: 1,
        expiresAt: expect.stringMatching(/Z$/),
      });
      expect(byType('ReservationConfirmed').summary).toMatchObject({
        channel: 'shop',
        channelOrderId: 'ev-o1',
        quantity: 2,
        allocatedUnitCount: 2,
        loopKeyCount: 0,
      });
      expect(byType('ChannelPolicySet')).toMatchObject({
        actor: 'stock-sam',
        summary: { channel: 'taobao', policy: { bufferQuantity: 0, sharePercent: 100, maxListed: null } },
      });
      for (const key of [stock, operator]) {
        expect((await api.call('GET', `/v1/skus/${SKU}/events`, { key })).body).toEqual(res.body);
      }
    });

    it('never shows a key secret, a fingerprint or a unit list', async () => {
      const { rows } = await api.db.pool.query<{ fingerprint: string; unit_id: string }>(
        `SELECT u->>'fingerprint' AS fingerprint, u->>'unitId' AS unit_id
           FROM events, jsonb_array_elements(data->'units') u WHERE stream_id = $1`,
        [`sku-${SKU}`],
      );
      expect(rows).toHaveLength(3);
      const res = await api.call('GET', `/v1/skus/${SKU}/events`, { key: analyst });
      expect(res.status).toBe(200);
      expect(res.body.items.map((e: { type: string }) => e.type)).toContain('CardKeysImported');
      const text = JSON.stringify(res.body);
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      for (const { fingerprint, unit_id } of rows) {
        expect(text).not.toContain(fingerprint);
        expect(text).not.toContain(unit_id);
      }
      expect(text).not.toMatch(/fingerprint|ciphertext|secret/i);
    });

    it('pages by version with after and limit; next is null on the last page', async () => {
      const all = (await api.call('GET', `/v1/skus/${SKU}/events`, { key: analyst })).body.items as {
        version: number;
      }[];
      expect(all.length).toBeGreaterThanOrEqual(5);
      const seen: number[] = [];
      let after: number | null = 0;
      let pages = 0;
      while (after !== null) {
        const page = await api.call('GET', `/v1/skus/${SKU}/events?after=${after}&limit=2`, { key: analyst });
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((e: { version: number }) => e.version));
        after = page.body.next;
        if (after !== null) expect(after).toBe(seen[seen.length - 1]);
        pages++;
      }
      expect(seen).toEqual(all.map((e) => e.version));
      expect(pages).toBe(Math.ceil(all.length / 2));
      const past = await api.call('GET', `/v1/skus/${SKU}/events?after=${all.length + 10}`, { key: analyst });
      expect(past.status).toBe(200);
      expect(past.body).toEqual({ items: [], next: null });
    });

    it('pages newest first with order=desc; next is the before of the page of older events', async () => {
      const all = (await api.call('GET', `/v1/skus/${SKU}/events`, { key: analyst })).body.items as {
        version: number;
      }[];
      const newestFirst = all.map((e) => e.version).reverse();
      expect(newestFirst.length).toBeGreaterThanOrEqual(5);
      const whole = await api.call('GET', `/v1/skus/${SKU}/events?order=desc`, { key: analyst });
      expect(whole.status).toBe(200);
      expect(whole.body).toEqual({ items: [...all].reverse(), next: null });
      const seen: number[] = [];
      let before: number | null | undefined;
      let pages = 0;
      while (before !== null) {
        const page = await api.call(
          'GET',
          `/v1/skus/${SKU}/events?order=desc&limit=2${before === undefined ? '' : `&before=${before}`}`,
          { key: analyst },
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((e: { version: number }) => e.version));
        before = page.body.next;
        if (before !== null) expect(before).toBe(seen[seen.length - 1]);
        pages++;
      }
      expect(seen).toEqual(newestFirst);
      expect(pages).toBe(Math.ceil(newestFirst.length / 2));
      // A before past the end reads from the newest event; before=1 has nothing older.
      const past = await api.call(
        'GET',
        `/v1/skus/${SKU}/events?order=desc&limit=1&before=${all.length + 10}`,
        {
          key: analyst,
        },
      );
      expect(past.body).toEqual({ items: [all[all.length - 1]], next: all.length });
      const first = await api.call('GET', `/v1/skus/${SKU}/events?order=desc&before=1`, { key: analyst });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ items: [], next: null });
      // order=asc is the default, spelled out.
      const asc = await api.call('GET', `/v1/skus/${SKU}/events?order=asc&after=1&limit=2`, { key: analyst });
      expect(asc.body.items.map((e: { version: number }) => e.version)).toEqual([2, 3]);
    });

    it('refuses before without order=desc, after with it, and an unknown order', async () => {
      for (const [query, field] of [
        ['before=3', 'before'],
        ['order=asc&before=3', 'before'],
        ['order=desc&after=2', 'after'],
        ['order=desc&before=0', 'before'],
        ['order=desc&before=two', 'before'],
        ['order=newest', 'order'],
      ]) {
        const res = await api.call('GET', `/v1/skus/${SKU}/events?${query}`, { key: analyst });
        expect([query, res.status, res.body.code]).toEqual([query, 400, 'API.VALIDATION_FAILED']);
        expect(res.body.details.map((d: { field: string }) => d.field)).toEqual([field]);
      }
    });

    it('answers 404 API.NOT_FOUND for a SKU without a stream, and 400 for a bad page', async () => {
      for (const path of [
        '/v1/skus/no-such-sku/events',
        '/v1/skus/no-such-sku/events?after=3',
        '/v1/skus/no-such-sku/events?order=desc',
        '/v1/skus/no-such-sku/events?order=desc&before=3',
      ]) {
        const missing = await api.call('GET', path, { key: analyst });
        expect(missing.status).toBe(404);
        expect(missing.body.code).toBe('API.NOT_FOUND');
      }
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=ten', 'limit'],
        ['after=-1', 'after'],
        ['after=1.5', 'after'],
      ]) {
        const res = await api.call('GET', `/v1/skus/${SKU}/events?${query}`, { key: analyst });
        expect(res.status).toBe(400);
        expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
      const unauthenticated = await api.call('GET', `/v1/skus/${SKU}/events`, { key: null });
      expect(unauthenticated.status).toBe(401);
    });
  });

  describe('GET /v1/skus/:sku/decision-settings', () => {
    const SKU = 'settings-q';

    beforeAll(async () => {
      const as = { key: stock };
      const steps = [
        await api.call('POST', '/v1/skus', { ...as, json: { sku: SKU, kind: 'quantity', perOrderCap: 5 } }),
        await api.call('POST', `/v1/skus/${SKU}/receipts`, {
          ...as,
          json: { batchId: 'set-b1', quantity: 10 },
        }),
        await api.call('PUT', `/v1/skus/${SKU}/channels/taobao/policy`, {
          ...as,
          json: { bufferQuantity: 2, sharePercent: 50, maxListed: 4 },
        }),
        await api.call('PUT', `/v1/skus/${SKU}/channels/shop/policy`, { ...as, json: {} }),
        await api.call('POST', `/v1/skus/${SKU}/pools`, { ...as, json: { poolId: 'flash-1', quantity: 3 } }),
        await api.call('PUT', `/v1/skus/${SKU}/pricing`, {
          ...as,
          json: {
            faceValue: 1000,
            costPrice: 800,
            defaultRule: { kind: 'fixed', value: 200 },
            channelRules: { taobao: { kind: 'price', value: 1200 } },
          },
        }),
      ];
      expect(steps.map((r) => r.status)).toEqual([201, 201, 200, 200, 201, 200]);
    });

    it("answers any role the SKU's channel policies, pools and delivery mode as its stream holds them", async () => {
      const res = await api.call('GET', `/v1/skus/${SKU}/decision-settings`, { key: analyst });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        sku: SKU,
        version: expect.any(Number),
        kind: 'quantity',
        deliveryMode: null,
        lowStockThreshold: null,
        perOrderCap: 5,
        channelPolicies: [
          {
            channel: 'shop',
            bufferQuantity: 0,
            sharePercent: 100,
            maxListed: null,
            endWhenAtOrBelow: null,
            unlimitedListed: 9999,
          },
          {
            channel: 'taobao',
            bufferQuantity: 2,
            sharePercent: 50,
            maxListed: 4,
            endWhenAtOrBelow: null,
            unlimitedListed: 9999,
          },
        ],
        pools: [
          {
            poolId: 'flash-1',
            status: 'open',
            quantity: 3,
            reserved: 0,
            sold: 0,
            returned: 0,
            perOrderCap: null,
          },
        ],
        // Fen: the settings as set, the cost a rule is applied to, and each listed channel's price.
        pricing: {
          faceValue: 1000,
          costPrice: 800,
          defaultRule: { kind: 'fixed', value: 200 },
          channelRules: { taobao: { kind: 'price', value: 1200 } },
          rounding: { step: 1, mode: 'nearest' },
          floor: null,
          cost: 800,
          prices: { shop: 1000, taobao: 1200 },
        },
      });
    });

    it('refuses a price that is not a whole number of fen, before anything is sent', async () => {
      const res = await api.call('PUT', `/v1/skus/${SKU}/pricing`, { key: stock, json: { costPrice: 8.5 } });
      expect(res.status).toBe(400);
    });

    it('answers 404 API.NOT_FOUND for a SKU never registered', async () => {
      const res = await api.call('GET', '/v1/skus/never-here/decision-settings', { key: analyst });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('API.NOT_FOUND');
    });
  });
});
