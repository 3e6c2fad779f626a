import { migrateReadModels, readModelTypes } from '@libs/read-models';
import { startApp, type StartedApp } from '@libs/runtime';
import { deleteTopicsWithPrefix, eventually, uniqueTopicPrefix } from '@libs/testing';
import { ProjectorModule } from '../../projector/src/projector.module';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

const MAPPING = 'sku=商品编码,name=商品名称,stockKind=类型,lowStockThreshold=预警,perOrderCap=限购';

/** A 分站 product export: BOM, CRLF, a blank line, quoted fields, a column we do not map (售价). */
const CATALOGUE = [
  '\uFEFF商品编码,商品名称,类型,预警,限购,售价',
  'GIFT-100,礼品卡 100 元,卡密,20,5,95.00',
  'TOPUP-QQ,"Q币直充, 自动到账",直充,,0,10',
  '',
  'BOX-1,"实体 ""盒子""",普通,3,,50',
  'GIFT-100,礼品卡 重复,卡密,20,5,95',
  'EXIST-SAME,已有,quantity,5,,1',
  'EXIST-OTHER,已有 2,普通,,,1',
  'BAD SKU,坏编码,卡密,,,1',
  'NO-KIND,无类型,实物,,,1',
  'NEG,负预警,卡密,-1,,1',
  'EXIST-CAP,改限购,普通,2,3,1',
  '',
].join('\r\n');

const EXPECTED_RESULTS = [
  { line: 2, sku: 'GIFT-100', name: '礼品卡 100 元', result: 'registered' },
  { line: 3, sku: 'TOPUP-QQ', name: 'Q币直充, 自动到账', result: 'registered' },
  { line: 5, sku: 'BOX-1', name: '实体 "盒子"', result: 'registered' },
  { line: 6, sku: 'GIFT-100', result: 'duplicate_in_file', duplicateOfLine: 2 },
  { line: 7, sku: 'EXIST-SAME', name: '已有', result: 'unchanged' },
  {
    line: 8,
    sku: 'EXIST-OTHER',
    name: '已有 2',
    result: 'conflict',
    reason: 'already_registered',
    current: { stockKind: 'cardKey', lowStockThreshold: null, perOrderCap: null },
  },
  { line: 9, result: 'invalid', reason: 'invalid_sku' },
  { line: 10, sku: 'NO-KIND', result: 'invalid', reason: 'unknown_stock_kind' },
  { line: 11, sku: 'NEG', result: 'invalid', reason: 'invalid_low_stock_threshold' },
  { line: 12, sku: 'EXIST-CAP', name: '改限购', result: 'updated' },
];

describe('catalogue import', () => {
  let api: ApiTestApp;
  let projector: StartedApp;
  let stock: string;
  const topicPrefix = uniqueTopicPrefix('catalogue-import');

  const importCatalogue = (
    query: Record<string, string>,
    body: string | Buffer,
    options: { key?: string; contentType?: string } = {},
  ) =>
    api.call('POST', `/v1/catalogue/imports?${new URLSearchParams(query)}`, {
      key: options.key ?? stock,
      body,
      contentType: options.contentType ?? 'text/csv',
    });

  const count = async (sql: string, params: unknown[] = []) =>
    (await api.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n;

  beforeAll(async () => {
    api = await startApiTestApp('api_catalogue');
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
    for (const json of [
      { sku: 'EXIST-SAME', kind: 'quantity', lowStockThreshold: 5 },
      { sku: 'EXIST-OTHER', kind: 'cardKey' },
      { sku: 'EXIST-CAP', kind: 'quantity', lowStockThreshold: 5 },
    ]) {
      expect((await api.call('POST', '/v1/skus', { json })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await projector?.app.close();
    await api?.close();
    await deleteTopicsWithPrefix(topicPrefix);
  });

  it('registers the new SKUs of a mapped CSV, changes the settings of an existing one and reports every row', async () => {
    const res = await importCatalogue({ batchId: 'sub-1', mapping: MAPPING }, CATALOGUE);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      batchId: 'sub-1',
      replayed: false,
      lines: 12,
      rows: 10,
      blankLines: 1,
      registered: 3,
      updated: 1,
      unchanged: 1,
      duplicateInFile: 1,
      conflict: 1,
      invalid: 3,
      results: EXPECTED_RESULTS,
    });
  });

  it('stores each registration as an event of the importing key, tagged with the batch', async () => {
    const { rows } = await api.db.pool.query(
      `SELECT stream_id, data->>'kind' AS kind, (data->>'lowStockThreshold')::int AS threshold,
              (data->>'perOrderCap')::int AS cap, data->>'actor' AS actor,
              metadata->>'actor' AS meta_actor, metadata->>'catalogueImport' AS batch
         FROM events WHERE type = 'SkuRegistered' AND metadata->>'catalogueImport' IS NOT NULL ORDER BY stream_id`,
    );
    expect(rows).toEqual(
      [
        { stream_id: 'sku-BOX-1', kind: 'quantity', threshold: 3, cap: null },
        { stream_id: 'sku-GIFT-100', kind: 'cardKey', threshold: 20, cap: 5 },
        { stream_id: 'sku-TOPUP-QQ', kind: 'unlimited', threshold: null, cap: null },
      ].map((r) => ({ ...r, actor: 'stock-sam', meta_actor: 'stock-sam', batch: 'sub-1' })),
    );
    const { rows: changes } = await api.db.pool.query(
      `SELECT stream_id, (data->>'lowStockThreshold')::int AS threshold, (data->>'perOrderCap')::int AS cap,
              data->>'actor' AS actor, metadata->>'catalogueImport' AS batch
         FROM events WHERE type = 'SkuSettingsChanged'`,
    );
    expect(changes).toEqual([
      { stream_id: 'sku-EXIST-CAP', threshold: 2, cap: 3, actor: 'stock-sam', batch: 'sub-1' },
    ]);
    // A conflicting row (another stock kind) sends no command: nothing, not even a refusal, lands on that SKU's stream.
    expect(await count(`events WHERE stream_id = 'sku-EXIST-OTHER'`)).toBe(1);
    expect(await count(`events WHERE stream_id = 'sku-EXIST-SAME'`)).toBe(1);
    expect(await count(`event_streams WHERE stream_id IN ('sku-NO-KIND', 'sku-NEG')`)).toBe(0);
  });

  it('the projector puts the imported SKUs into the catalogue read models and their targets on Kafka', async () => {
    const catalogue = await eventually(
      async () => {
        // Quantity columns are bigint; readModelTypes reads them back as numbers, like the API's entities.
        const { rows } = await api.db.pool.query({
          text: `SELECT sku, kind, low_stock_threshold, per_order_cap FROM sku_stock
                  WHERE sku IN ('GIFT-100', 'TOPUP-QQ', 'BOX-1', 'EXIST-CAP') ORDER BY sku`,
          types: readModelTypes,
        });
        const capChanged = rows.some((r) => r.sku === 'EXIST-CAP' && r.per_order_cap === 3);
        return rows.length === 4 && capChanged ? rows : undefined;
      },
      30_000,
      'the imported SKUs in sku_stock',
    );
    expect(catalogue).toEqual([
      { sku: 'BOX-1', kind: 'quantity', low_stock_threshold: 3, per_order_cap: null },
      { sku: 'EXIST-CAP', kind: 'quantity', low_stock_threshold: 2, per_order_cap: 3 },
      { sku: 'GIFT-100', kind: 'cardKey', low_stock_threshold: 20, per_order_cap: 5 },
      { sku: 'TOPUP-QQ', kind: 'unlimited', low_stock_threshold: null, per_order_cap: null },
    ]);
    const read = await api.call('GET', '/v1/skus/GIFT-100');
    expect(read.body).toMatchObject({ sku: 'GIFT-100', kind: 'cardKey' });

    // An imported SKU listed on a 分站 channel: its target goes through the outbox to the broker.
    const policy = await api.call('PUT', '/v1/skus/TOPUP-QQ/channels/substation/policy', {
      key: stock,
      json: { unlimitedListed: 999 },
    });
    expect(policy.status).toBe(200);
    await eventually(
      async () =>
        (await count(
          `target_outbox WHERE sku = 'TOPUP-QQ' AND channel = 'substation' AND quantity = 999 AND published_at IS NOT NULL`,
        )) === 1 || undefined,
      30_000,
      'the TOPUP-QQ target published to Kafka',
    );
  });

  it('the same batch id again changes nothing and returns the first report', async () => {
    const events = await count('events');
    const again = await importCatalogue(
      { batchId: 'sub-1', mapping: MAPPING },
      '商品编码,商品名称,类型,预警,限购\r\nOTHER-1,x,卡密,,\r\n',
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      batchId: 'sub-1',
      replayed: true,
      registered: 3,
      results: EXPECTED_RESULTS,
    });
    expect(await count('events')).toBe(events);
    expect(await count(`event_streams WHERE stream_id = 'sku-OTHER-1'`)).toBe(0);
  });

  it('a retry after a lost report finds its own registrations and appends nothing', async () => {
    const events = await count('events');
    await api.db.pool.query(`DELETE FROM catalogue_imports WHERE batch_id = 'sub-1'`);
    const retry = await importCatalogue({ batchId: 'sub-1', mapping: MAPPING }, CATALOGUE);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({
      replayed: false,
      registered: 3,
      updated: 1,
      unchanged: 1,
      results: EXPECTED_RESULTS,
    });
    expect(await count('events')).toBe(events);
  });

  it('another batch with the same rows reports them unchanged', async () => {
    const res = await importCatalogue(
      { batchId: 'sub-2', mapping: 'SKU=商品编码,kind=类型,lowStockThreshold=预警,perOrderCap=限购' },
      CATALOGUE,
    );
    expect(res.body).toMatchObject({ registered: 0, updated: 0, unchanged: 5, conflict: 1, invalid: 3 });
  });

  it('reads a GBK export when the charset says so, with extra stock-kind values', async () => {
    const csv = '商品编码,类型\r\nGBK-1,实物\r\nGBK-2,直充\r\n';
    const res = await importCatalogue(
      {
        batchId: 'gbk-1',
        mapping: 'sku=商品编码,stockKind=类型',
        stockKindValues: '实物=quantity,直充=quantity',
      },
      Buffer.from(new TextEncoderGbk().encode(csv)),
      { contentType: 'text/csv; charset=gbk' },
    );
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { line: 2, sku: 'GBK-1', result: 'registered' },
      { line: 3, sku: 'GBK-2', result: 'registered' },
    ]);
    const { rows } = await api.db.pool.query(
      `SELECT data->>'kind' AS kind FROM events WHERE stream_id IN ('sku-GBK-1', 'sku-GBK-2') ORDER BY stream_id`,
    );
    expect(rows).toEqual([{ kind: 'quantity' }, { kind: 'quantity' }]);
  });

  it('refuses a bad mapping, header or media type with a stable code, storing nothing', async () => {
    const events = await count('events');
    const reports = await count('catalogue_imports');
    const csv = '商品编码,类型\r\nNEVER-1,卡密\r\n';
    const cases: [Record<string, string>, string | undefined, number, string][] = [
      [
        { batchId: 'bad-1', mapping: 'name=商品名称,stockKind=类型' },
        undefined,
        400,
        'IMPORT.MAPPING_INCOMPLETE',
      ],
      [
        { batchId: 'bad-1', mapping: 'sku=商品编码,stockKind=类型,price=售价' },
        undefined,
        400,
        'IMPORT.INVALID_MAPPING',
      ],
      [{ batchId: 'bad-1', mapping: 'sku=商品编码,stockKind' }, undefined, 400, 'IMPORT.INVALID_MAPPING'],
      [{ batchId: 'bad-1', mapping: 'sku=编码,stockKind=类型' }, undefined, 400, 'IMPORT.COLUMN_NOT_FOUND'],
      [
        { batchId: 'bad-1', mapping: 'sku=商品编码,stockKind=类型', stockKindValues: 'x=y' },
        undefined,
        400,
        'IMPORT.INVALID_MAPPING',
      ],
      [{ batchId: 'bad-1' }, undefined, 400, 'API.VALIDATION_FAILED'],
      [{ batchId: 'bad 1', mapping: 'sku=商品编码,stockKind=类型' }, undefined, 400, 'API.VALIDATION_FAILED'],
      [
        { batchId: 'bad-1', mapping: 'sku=商品编码,stockKind=类型' },
        'multipart/form-data; boundary=x',
        415,
        'API.UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        { batchId: 'bad-1', mapping: 'sku=商品编码,stockKind=类型' },
        'text/csv; charset=latin9',
        415,
        'API.UNSUPPORTED_MEDIA_TYPE',
      ],
    ];
    for (const [query, contentType, status, code] of cases) {
      const res = await importCatalogue(query, csv, { contentType });
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status, code });
    }
    const json = await importCatalogue(
      { batchId: 'bad-1', mapping: 'sku=商品编码,stockKind=类型' },
      '{"sku":"NEVER-1"}',
      { contentType: 'application/json' },
    );
    expect({ status: json.status, code: json.body.code }).toEqual({
      status: 415,
      code: 'API.UNSUPPORTED_MEDIA_TYPE',
    });
    const header = await importCatalogue(
      { batchId: 'bad-1', mapping: 'sku=商品编码,stockKind=类型' },
      '\r\n\r\n',
    );
    expect({ status: header.status, code: header.body.code }).toEqual({
      status: 400,
      code: 'IMPORT.INVALID_HEADER',
    });
    expect(await count('events')).toBe(events);
    expect(await count('catalogue_imports')).toBe(reports);
  });

  it('needs inventory-admin or admin', async () => {
    for (const role of ['analyst', 'order-operator']) {
      const res = await importCatalogue(
        { batchId: 'role-1', mapping: 'sku=a,stockKind=b' },
        'a,b\r\nR-1,卡密\r\n',
        {
          key: await api.keyFor(role),
        },
      );
      expect({ role, status: res.status, code: res.body.code }).toEqual({
        role,
        status: 403,
        code: 'API.FORBIDDEN',
      });
    }
    const admin = await importCatalogue(
      { batchId: 'role-1', mapping: 'sku=a,stockKind=b' },
      'a,b\r\nR-1,卡密\r\n',
      {
        key: api.adminKey,
      },
    );
    expect(admin.body).toMatchObject({ registered: 1 });
  });

  it('imports 12,000 products in one batch', async () => {
    const rows = 12_000;
    const lines = ['商品编码,商品名称,类型,预警,限购'];
    for (let i = 0; i < rows; i++) {
      lines.push(
        i % 1000 === 999
          ? `BULK-${i},坏,卡密,x,`
          : `BULK-${i},商品 ${i},${['卡密', '直充', '普通'][i % 3]},${i % 50},${i % 7}`,
      );
    }
    const started = process.hrtime.bigint();
    const res = await importCatalogue({ batchId: 'bulk-1', mapping: MAPPING }, lines.join('\r\n'));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stderr.write(`catalogue import: ${rows} rows in ${seconds.toFixed(2)} s\n`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows, registered: rows - 12, invalid: 12, duplicateInFile: 0 });
    expect(res.body.results).toHaveLength(rows);
    const { rows: stored } = await api.db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE metadata->>'catalogueImport' = 'bulk-1'`,
    );
    expect(stored).toEqual([{ n: rows - 12 }]);
  }, 180_000);
});

/** Test-only GBK encoder for the characters used above (Node has a GBK decoder but no encoder). */
class TextEncoderGbk {
  private static readonly TABLE: Record<string, number[]> = {
    商: [0xc9, 0xcc],
    品: [0xc6, 0xb7],
    编: [0xb1, 0xe0],
    码: [0xc2, 0xeb],
    类: [0xc0, 0xe0],
    型: [0xd0, 0xcd],
    实: [0xca, 0xb5],
    物: [0xce, 0xef],
    直: [0xd6, 0xb1],
    充: [0xb3, 0xe4],
  };

  encode(text: string): Uint8Array {
    const bytes: number[] = [];
    for (const c of text) {
      const mapped = TextEncoderGbk.TABLE[c];
      if (mapped) bytes.push(...mapped);
      else if (c.charCodeAt(0) < 0x80) bytes.push(c.charCodeAt(0));
      else throw new Error(`no GBK code for ${c} in the test table`);
    }
    return Uint8Array.from(bytes);
  }
}
