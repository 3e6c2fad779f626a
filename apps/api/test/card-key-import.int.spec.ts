import { randomBytes } from 'node:crypto';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

describe('card-key import', () => {
  let api: ApiTestApp;
  let stock: string;

  const importFile = (
    sku: string,
    batchId: string,
    body: string | Buffer,
    contentType = 'text/plain',
    query = '',
  ) =>
    api.call('POST', `/v1/skus/${sku}/card-keys/import?batchId=${batchId}${query}`, {
      key: stock,
      body,
      contentType,
    });

  const eventCount = async () =>
    (await api.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;
  const vaultCount = async (sku: string) =>
    (await api.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM card_keys WHERE sku = $1', [sku]))
      .rows[0].n;

  beforeAll(async () => {
    api = await startApiTestApp('api_import');
    stock = await api.keyFor('inventory-admin', 'stock-sam');
    for (const sku of ['keys-1', 'keys-big']) {
      expect(
        (await api.call('POST', '/v1/skus', { key: stock, json: { sku, kind: 'cardKey' } })).status,
      ).toBe(201);
    }
    await api.call('POST', '/v1/skus', { key: stock, json: { sku: 'counted', kind: 'quantity' } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('reports exactly the BOM, CRLF, blank lines, duplicates and invalid rows of a TXT file', async () => {
    const file = `\uFEFFKEY-A\r\nKEY-B\r\n\r\nKEY-A\r\n  KEY-C  \r\n\r\nKEY-B\r\n${'x'.repeat(5000)}\r\nKEY-D`;
    const res = await importFile('keys-1', 'b1', file);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sku: 'keys-1',
      batchId: 'b1',
      replayed: false,
      format: 'txt',
      lines: 9,
      rows: 7,
      blankLines: 2,
      imported: 4,
      duplicateInFile: 2,
      alreadyInPool: 0,
      invalid: 1,
      version: 2,
      issues: [
        { line: 4, result: 'duplicate_in_file', duplicateOfLine: 1 },
        { line: 7, result: 'duplicate_in_file', duplicateOfLine: 2 },
        { line: 8, result: 'invalid', reason: 'secret_too_long' },
      ],
    });
    const { rows } = await api.db.pool.query(
      `SELECT type, data->'units' AS units, data->>'actor' AS actor FROM events WHERE stream_id = 'sku-keys-1' AND version = 2`,
    );
    expect(rows[0]).toMatchObject({ type: 'CardKeysImported', actor: 'stock-sam' });
    expect(rows[0].units).toHaveLength(4);
    expect(JSON.stringify(rows[0].units)).not.toMatch(/KEY-/);
    expect(await vaultCount('keys-1')).toBe(4);
  });

  it('the same batch id again imports nothing and returns the first report', async () => {
    const before = await eventCount();
    const first = await importFile('keys-1', 'b1', 'KEY-Z\nKEY-Y\n');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      replayed: true,
      batchId: 'b1',
      imported: 4,
      lines: 9,
      duplicateInFile: 2,
    });
    expect(await eventCount()).toBe(before);
    expect(await vaultCount('keys-1')).toBe(4);
  });

  it('reports keys already in the pool, from a CSV with a named column', async () => {
    const csv = 'id,code2,loop\r\n1,KEY-A,\r\n2,"KEY,E",no\r\n3,KEY-F,yes\r\n4\r\n';
    const res = await importFile('keys-1', 'b2', csv, 'text/csv', '&column=code2');
    expect(res.body).toMatchObject({
      format: 'csv',
      rows: 4,
      imported: 2,
      alreadyInPool: 1,
      invalid: 1,
      issues: [
        { line: 2, result: 'already_in_pool' },
        { line: 5, result: 'invalid', reason: 'missing_field' },
      ],
    });
    const { rows } = await api.db.pool.query(
      `SELECT data->'units' AS units FROM events WHERE stream_id = 'sku-keys-1' AND type = 'CardKeysImported' ORDER BY version DESC LIMIT 1`,
    );
    expect(rows[0].units.map((u: { loop: boolean }) => u.loop)).toEqual([false, true]);
  });

  it('refuses, before storing anything: unknown SKU, another stock kind, missing column, wrong media type', async () => {
    const before = await api.db.pool.query('SELECT count(*)::int AS n FROM card_keys');
    const cases: [Promise<{ status: number; body: { code: string } }>, number, string][] = [
      [importFile('nope', 'b1', 'K1\n'), 404, 'INVENTORY.UNKNOWN_SKU'],
      [importFile('counted', 'b1', 'K1\n'), 409, 'INVENTORY.KIND_MISMATCH'],
      [importFile('keys-1', 'b9', 'serial,pin\n1,K1\n', 'text/csv'), 400, 'IMPORT.COLUMN_NOT_FOUND'],
      [importFile('keys-1', 'b9', '{"k":1}', 'application/json'), 415, 'API.UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [call, status, code] of cases) {
      const res = await call;
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    }
    const after = await api.db.pool.query('SELECT count(*)::int AS n FROM card_keys');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('imports 100,000 keys with 1% duplicates: reports exactly those and stores the rest encrypted', async () => {
    const unique = 99_000;
    const secrets = Array.from(
      { length: unique },
      (_, i) => `CARD-${i}-${randomBytes(9).toString('base64url')}`,
    );
    // 1,000 copies of earlier keys, spread through the file.
    const lines: string[] = [];
    const expectedDuplicates: { line: number; duplicateOfLine: number }[] = [];
    const lineOf = new Map<string, number>();
    let next = 0;
    for (let i = 0; i < 100_000; i++) {
      if (i % 100 === 99) {
        const copy = secrets[(i * 7919) % next];
        lines.push(copy);
        expectedDuplicates.push({ line: i + 1, duplicateOfLine: lineOf.get(copy)! });
      } else {
        const secret = secrets[next++];
        lines.push(secret);
        lineOf.set(secret, i + 1);
      }
    }
    expect(next).toBe(unique);
    const body = Buffer.from(lines.join('\r\n') + '\r\n');

    const started = process.hrtime.bigint();
    const res = await importFile('keys-big', 'big-1', body);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stderr.write(
      `card-key import: 100,000 rows in ${seconds.toFixed(2)} s = ${Math.round(100_000 / seconds)} keys/s\n`,
    );

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      rows: 100_000,
      imported: unique,
      duplicateInFile: 1_000,
      alreadyInPool: 0,
      invalid: 0,
    });
    expect(res.body.issues).toEqual(expectedDuplicates.map((d) => ({ ...d, result: 'duplicate_in_file' })));

    const { rows } = await api.db.pool.query<{ n: number; plain: number; short: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE position('CARD-'::bytea IN ciphertext) > 0)::int AS plain,
              count(*) FILTER (WHERE octet_length(iv) <> 12 OR octet_length(auth_tag) <> 16)::int AS short
         FROM card_keys WHERE sku = 'keys-big'`,
    );
    expect(rows[0]).toEqual({ n: unique, plain: 0, short: 0 });
    const events = await api.db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE stream_id = 'sku-keys-big' AND data::text LIKE '%CARD-%'`,
    );
    expect(events.rows[0].n).toBe(0);
    // Recorded in parts of at most 1,000 entries: no event row approaches 1 MB.
    const parts = await api.db.pool.query<{ n: number; largest: number }>(
      `SELECT count(*)::int AS n, max(octet_length(data::text))::int AS largest
         FROM events WHERE stream_id = 'sku-keys-big' AND type = 'CardKeysImported'`,
    );
    expect(parts.rows[0].n).toBe(99); // 99,000 new keys; the file's duplicates never reach the inventory
    expect(parts.rows[0].largest).toBeLessThan(256 * 1024);
  }, 300_000);

  it('voids one key (inventory-admin), refuses to redeem a key not sold, and names the refusals', async () => {
    expect(
      (await api.call('POST', '/v1/skus', { key: stock, json: { sku: 'keys-unit', kind: 'cardKey' } }))
        .status,
    ).toBe(201);
    expect((await importFile('keys-unit', 'u1', 'UNIT-KEY-1\nUNIT-KEY-2')).body).toMatchObject({
      imported: 2,
    });
    const { rows } = await api.db.pool.query<{ unit_id: string }>(
      `SELECT u->>'unitId' AS unit_id FROM events, jsonb_array_elements(data->'units') u
        WHERE stream_id = 'sku-keys-unit' AND type = 'CardKeysImported' ORDER BY 1`,
    );
    const [first, second] = rows.map((r) => r.unit_id);
    const operator = await api.keyFor('order-operator', 'orders-olga');

    const forbidden = await api.call('POST', `/v1/skus/keys-unit/card-keys/${first}/void`, {
      key: operator,
      json: {},
    });
    expect(forbidden.status).toBe(403);
    const voided = await api.call('POST', `/v1/skus/keys-unit/card-keys/${first}/void`, {
      key: stock,
      json: { note: 'leaked' },
    });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({
      changed: true,
      events: [
        {
          type: 'CardKeyVoided',
          data: { unitId: first, previousStatus: 'available', note: 'leaked', actor: 'stock-sam' },
        },
      ],
    });
    const again = await api.call('POST', `/v1/skus/keys-unit/card-keys/${first}/void`, {
      key: stock,
      json: {},
    });
    expect(again.body).toMatchObject({ changed: false, events: [] });

    const unsold = await api.call('POST', `/v1/skus/keys-unit/card-keys/${second}/redeem`, { key: operator });
    expect(unsold.status).toBe(409);
    expect(unsold.body.code).toBe('INVENTORY.UNIT_NOT_DELIVERED');
    const unknown = await api.call('POST', '/v1/skus/keys-unit/card-keys/no-such-unit/redeem', {
      key: operator,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('INVENTORY.UNIT_NOT_FOUND');
  });
});
