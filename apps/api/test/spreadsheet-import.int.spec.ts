import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ExcelJS from 'exceljs';
import { CATALOGUE_TEMPLATE_MAPPING } from '../src/uploads/import-templates.http.controller';
import { XLSX_MEDIA_TYPE } from '../src/uploads/xlsx';
import { type ApiTestApp, startApiTestApp } from './api-test-app';
import { type Cell, writeXlsx, zipBomb, zipOf } from './xlsx-fixtures';

/** The same rows, as a sheet and as CSV: header, keys, a blank row, a duplicate, a key too long, a missing key. */
const ROWS: (Cell[] | null)[] = [
  ['secret', 'loop'],
  ['K-A', null],
  ['K-B', 'yes'],
  null,
  ['K-A', null],
  ['K-PRE', null],
  ['x'.repeat(5000), null],
  [null, 'yes'],
  ['K-C', true],
];
const CSV =
  'secret,loop\r\nK-A,\r\nK-B,yes\r\n\r\nK-A,\r\nK-PRE,\r\n' + `${'x'.repeat(5000)},\r\n,yes\r\nK-C,TRUE`;

describe('spreadsheet (.xlsx) imports, previews and templates', () => {
  let api: ApiTestApp;
  let stock: string;
  let dir: string;

  const importKeys = (sku: string, batchId: string, body: string | Buffer, contentType: string, query = '') =>
    api.call('POST', `/v1/skus/${sku}/card-keys/import?batchId=${batchId}${query}`, {
      key: stock,
      body,
      contentType,
    });

  const importCatalogue = (
    query: Record<string, string>,
    body: string | Buffer,
    contentType = XLSX_MEDIA_TYPE,
  ) =>
    api.call('POST', `/v1/catalogue/imports?${new URLSearchParams(query)}`, {
      key: stock,
      body,
      contentType,
    });

  const count = async (sql: string, params: unknown[] = []) =>
    (await api.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n;

  /** Everything an import may write. */
  const written = async () => ({
    events: await count('events'),
    vault: await count('card_keys'),
    cardKeyReports: await count('card_key_imports'),
    catalogueReports: await count('catalogue_imports'),
  });

  const xlsx = async (rows: (Cell[] | null)[], options?: Parameters<typeof writeXlsx>[2]) => {
    const path = join(dir, `${randomBytes(4).toString('hex')}.xlsx`);
    await writeXlsx(path, rows, options);
    return readFileSync(path);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spreadsheet-import-'));
    api = await startApiTestApp('api_xlsx');
    stock = await api.keyFor('inventory-admin', 'stock-sam');
    for (const sku of ['xk-csv', 'xk-xlsx', 'xk-dry', 'xk-tpl', 'xk-big', 'xk-bad']) {
      expect(
        (await api.call('POST', '/v1/skus', { key: stock, json: { sku, kind: 'cardKey' } })).status,
      ).toBe(201);
    }
    for (const sku of ['xk-csv', 'xk-xlsx', 'xk-dry']) {
      expect((await importKeys(sku, 'pre', 'K-PRE\n', 'text/plain')).body).toMatchObject({ imported: 1 });
    }
  });

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an .xlsx card-key import reports exactly what the same rows as CSV report, by spreadsheet row', async () => {
    const fromCsv = await importKeys('xk-csv', 'c1', CSV, 'text/csv');
    const fromXlsx = await importKeys('xk-xlsx', 'x1', await xlsx(ROWS), XLSX_MEDIA_TYPE);
    expect(fromXlsx.status).toBe(200);
    const expected = {
      replayed: false,
      lines: 9,
      rows: 7,
      blankLines: 1,
      imported: 3,
      duplicateInFile: 1,
      alreadyInPool: 1,
      invalid: 2,
      issues: [
        { line: 5, result: 'duplicate_in_file', duplicateOfLine: 2 },
        { line: 6, result: 'already_in_pool' },
        { line: 7, result: 'invalid', reason: 'secret_too_long' },
        { line: 8, result: 'invalid', reason: 'missing_field' },
      ],
    };
    expect(fromCsv.body).toMatchObject({ ...expected, format: 'csv' });
    expect(fromXlsx.body).toEqual({ ...fromCsv.body, sku: 'xk-xlsx', batchId: 'x1', format: 'xlsx' });
    const { rows } = await api.db.pool.query(
      `SELECT data->'units' AS units FROM events WHERE stream_id = 'sku-xk-xlsx' AND type = 'CardKeysImported'
        ORDER BY version DESC LIMIT 1`,
    );
    expect(rows[0].units.map((u: { loop: boolean }) => u.loop)).toEqual([false, true, true]);
    expect(await count(`card_keys WHERE sku = 'xk-xlsx'`)).toBe(4);
  });

  it('a workbook sent as text/plain or octet-stream is still read as .xlsx, never as keys', async () => {
    const body = await xlsx([['secret'], ['K-OCTET']]);
    for (const [batch, type] of [
      ['o1', 'application/octet-stream'],
      ['o2', 'text/plain'],
    ]) {
      const res = await importKeys('xk-tpl', batch, body, type);
      expect(res.body).toMatchObject({ format: 'xlsx', rows: 1 });
    }
    expect(await count(`card_keys WHERE sku = 'xk-tpl'`)).toBe(1);
  });

  describe('a preview (dryRun=true)', () => {
    it('of card keys writes nothing and answers the report the import then gives, keys already in stock included', async () => {
      const body = await xlsx(ROWS);
      const before = await written();
      const preview = await importKeys('xk-dry', 'd1', body, XLSX_MEDIA_TYPE, '&dryRun=true');
      expect(preview.status).toBe(200);
      expect(await written()).toEqual(before);
      expect(preview.body).toMatchObject({
        dryRun: true,
        imported: 3,
        alreadyInPool: 1,
        duplicateInFile: 1,
        invalid: 2,
      });
      expect(JSON.stringify(preview.body)).not.toMatch(/K-[ABC]/);

      const real = await importKeys('xk-dry', 'd1', body, XLSX_MEDIA_TYPE);
      const { dryRun, version, ...previewed } = preview.body;
      expect({ dryRun, version }).toEqual({ dryRun: true, version: 0 });
      expect(real.body).toEqual({ ...previewed, version: real.body.version });
      expect(real.body.version).toBeGreaterThan(0);

      // The same batch id again is a replay, in a preview too: the first report, nothing written.
      const after = await written();
      const again = await importKeys('xk-dry', 'd1', body, XLSX_MEDIA_TYPE, '&dryRun=true');
      expect(again.body).toMatchObject({ replayed: true, dryRun: true, imported: 3 });
      expect(await written()).toEqual(after);
    });

    it('of a catalogue writes nothing and answers the results the import then gives', async () => {
      expect(
        (
          await api.call('POST', '/v1/skus', {
            key: stock,
            json: { sku: 'XC-OLD', kind: 'quantity', lowStockThreshold: 5 },
          })
        ).status,
      ).toBe(201);
      const body = await xlsx([
        ['sku', 'name', 'kind', 'lowStockThreshold', 'perOrderCap'],
        ['XC-NEW', '新商品', '卡密', 10, 2],
        ['XC-OLD', '旧商品', '普通', 5, null],
        ['XC-OLD', '重复', '普通', 5, null],
        ['XC BAD', '坏', '卡密', null, null],
      ]);
      const query = { batchId: 'cat-d1', mapping: CATALOGUE_TEMPLATE_MAPPING };
      const before = await written();
      const preview = await importCatalogue({ ...query, dryRun: 'true' }, body);
      expect(preview.status).toBe(200);
      expect(await written()).toEqual(before);
      expect(await count(`event_streams WHERE stream_id = 'sku-XC-NEW'`)).toBe(0);
      expect(preview.body).toMatchObject({
        dryRun: true,
        registered: 1,
        unchanged: 1,
        duplicateInFile: 1,
        invalid: 1,
        results: [
          { line: 2, sku: 'XC-NEW', name: '新商品', result: 'registered' },
          { line: 3, sku: 'XC-OLD', name: '旧商品', result: 'unchanged' },
          { line: 4, sku: 'XC-OLD', result: 'duplicate_in_file', duplicateOfLine: 3 },
          { line: 5, result: 'invalid', reason: 'invalid_sku' },
        ],
      });
      const real = await importCatalogue(query, body);
      const { dryRun, ...previewed } = preview.body;
      expect(dryRun).toBe(true);
      expect(real.body).toEqual(previewed);
      expect(await count(`event_streams WHERE stream_id = 'sku-XC-NEW'`)).toBe(1);
    });
  });

  describe('templates', () => {
    const template = async (kind: 'card-keys' | 'catalogue', format: 'xlsx' | 'csv', key = stock) => {
      const res = await fetch(`${api.url}/v1/${kind}/imports/template?format=${format}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        body: Buffer.from(await res.arrayBuffer()),
        disposition: res.headers.get('content-disposition'),
      };
    };

    it('are for the roles that may import', async () => {
      const analyst = await api.keyFor('analyst');
      for (const kind of ['card-keys', 'catalogue'] as const) {
        expect((await template(kind, 'xlsx', analyst)).status).toBe(403);
        expect((await template(kind, 'csv', api.adminKey)).status).toBe(200);
      }
      const bad = await api.call('GET', '/v1/card-keys/imports/template?format=xls', { key: stock });
      expect({ status: bad.status, code: bad.body.code }).toEqual({
        status: 400,
        code: 'API.VALIDATION_FAILED',
      });
    });

    it('the card-key template, filled in, imports; its example row left in is refused as example_row', async () => {
      const file = await template('card-keys', 'xlsx');
      expect(file).toMatchObject({
        status: 200,
        type: XLSX_MEDIA_TYPE,
        disposition: 'attachment; filename="card-keys-template.xlsx"',
      });
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(file.body as unknown as ExcelJS.Buffer);
      const sheet = workbook.worksheets[0];
      const example = sheet.getRow(2).values;
      sheet.getRow(2).values = ['0012345', 'no'];
      sheet.addRow(['TPL-2', 'yes']);
      sheet.addRow(example as ExcelJS.CellValue[]);
      const filled = Buffer.from(await workbook.xlsx.writeBuffer());
      const res = await importKeys('xk-tpl', 'tpl-x', filled, XLSX_MEDIA_TYPE);
      expect(res.body).toMatchObject({
        format: 'xlsx',
        rows: 3,
        imported: 2,
        invalid: 1,
        issues: [{ line: 4, result: 'invalid', reason: 'example_row' }],
      });

      const csv = await template('card-keys', 'csv');
      expect(csv).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' });
      const lines = csv.body.toString('utf8').split('\r\n');
      const filledCsv = [lines[0], 'TPL-CSV-1,no', 'TPL-CSV-2,yes', ''].join('\r\n');
      expect((await importKeys('xk-tpl', 'tpl-c', filledCsv, 'text/csv')).body).toMatchObject({
        imported: 2,
        invalid: 0,
      });
    });

    it('the catalogue template, filled in, imports with the documented mapping', async () => {
      for (const format of ['xlsx', 'csv'] as const) {
        const file = await template('catalogue', format);
        expect(file.status).toBe(200);
        let filled: Buffer;
        if (format === 'xlsx') {
          const workbook = new ExcelJS.Workbook();
          await workbook.xlsx.load(file.body as unknown as ExcelJS.Buffer);
          const sheet = workbook.worksheets[0];
          sheet.getRow(2).values = ['TPL-SKU-X1', '模板商品', '直充', '', '0'];
          sheet.addRow(['TPL-SKU-X2', '模板商品 2', '普通', '3', '2']);
          filled = Buffer.from(await workbook.xlsx.writeBuffer());
        } else {
          const [header] = file.body.toString('utf8').split('\r\n');
          filled = Buffer.from([header, 'TPL-SKU-C1,模板商品,卡密,,', ''].join('\r\n'));
        }
        const res = await importCatalogue(
          { batchId: `tpl-${format}`, mapping: CATALOGUE_TEMPLATE_MAPPING },
          filled,
          format === 'xlsx' ? XLSX_MEDIA_TYPE : 'text/csv',
        );
        expect(res.body).toMatchObject({ registered: format === 'xlsx' ? 2 : 1, invalid: 0 });
      }
    });
  });

  it('refuses hostile or broken workbooks with a stable code, writing nothing', async () => {
    const before = await written();
    const cases: [string, Buffer, string, number, string][] = [
      ['a zip bomb', zipBomb(17), XLSX_MEDIA_TYPE, 413, 'IMPORT.FILE_TOO_LARGE'],
      [
        'a zip that is no workbook',
        zipOf([{ name: 'a.txt', data: Buffer.from('K-1') }]),
        XLSX_MEDIA_TYPE,
        400,
        'IMPORT.INVALID_XLSX',
      ],
      [
        'a corrupt zip',
        Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(4000)]),
        'text/plain',
        400,
        'IMPORT.INVALID_XLSX',
      ],
      [
        'an .xls workbook',
        Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 1, 2]),
        'text/plain',
        400,
        'IMPORT.INVALID_XLSX',
      ],
      ['text declared .xlsx', Buffer.from('secret\nK-1\n'), XLSX_MEDIA_TYPE, 400, 'IMPORT.INVALID_XLSX'],
      [
        'text sent as octet-stream',
        Buffer.from('secret\nK-1\n'),
        'application/octet-stream',
        415,
        'API.UNSUPPORTED_MEDIA_TYPE',
      ],
    ];
    for (const [name, body, type, status, code] of cases) {
      const res = await importKeys('xk-bad', `bad-${status}`, body, type);
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status, code });
      const catalogue = await importCatalogue(
        { batchId: 'bad', mapping: CATALOGUE_TEMPLATE_MAPPING },
        body,
        type,
      );
      expect({ name, status: catalogue.status, code: catalogue.body.code }).toEqual({ name, status, code });
    }
    expect(await written()).toEqual(before);
  });

  it('imports a 100,000-row .xlsx of card keys with 1% duplicates, written by exceljs streaming writer', async () => {
    const total = 100_000;
    const rows: Cell[][] = [['卡密']];
    const expectedDuplicates: { line: number; duplicateOfLine: number }[] = [];
    const rowOf = new Map<string, number>();
    const secrets: string[] = [];
    for (let i = 0; i < total; i++) {
      if (i % 100 === 99) {
        const copy = secrets[(i * 7919) % secrets.length];
        rows.push([copy]);
        expectedDuplicates.push({ line: i + 2, duplicateOfLine: rowOf.get(copy)! });
      } else {
        const secret = `CARD-${i}-${randomBytes(9).toString('base64url')}`;
        secrets.push(secret);
        rows.push([secret]);
        rowOf.set(secret, i + 2);
      }
    }
    const body = await xlsx(rows);
    const started = process.hrtime.bigint();
    const res = await importKeys('xk-big', 'big-1', body, XLSX_MEDIA_TYPE);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stderr.write(
      `xlsx card-key import: ${total} rows (${body.length} bytes) in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} rows/s\n`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      format: 'xlsx',
      lines: total + 1,
      rows: total,
      blankLines: 0,
      imported: 99_000,
      duplicateInFile: 1_000,
      alreadyInPool: 0,
      invalid: 0,
    });
    expect(res.body.issues).toEqual(expectedDuplicates.map((d) => ({ ...d, result: 'duplicate_in_file' })));
    expect(await count(`card_keys WHERE sku = 'xk-big'`)).toBe(99_000);
  }, 300_000);
});
