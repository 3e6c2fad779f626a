import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvTable } from './csv';
import { CARD_KEY_TEMPLATE, CATALOGUE_TEMPLATE } from './import-templates.http.controller';
import { templateFile } from './import-template';
import { readLines } from './line-reader';
import type { TableRow } from './table';
import { checkXlsxArchive, readXlsxTable } from './xlsx';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'template-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['card keys', CARD_KEY_TEMPLATE],
  ['catalogue', CATALOGUE_TEMPLATE],
])('the %s template', (_, template) => {
  const expected: TableRow[] = [
    { kind: 'header', line: 1, names: [...template.columns] },
    { kind: 'row', line: 2, fields: [...template.example] },
  ];

  it('as .xlsx: a workbook that passes the archive check and reads back as its header and example row', async () => {
    const file = await templateFile(template, 'xlsx');
    expect(file.filename).toBe(`${template.name}.xlsx`);
    const path = join(dir, file.filename);
    writeFileSync(path, file.body);
    await checkXlsxArchive(path);
    const rows: TableRow[] = [];
    for await (const row of readXlsxTable(path, 1000)) rows.push(row);
    expect(rows).toEqual(expected);
  });

  it('as .csv: UTF-8 with a BOM that reads back as its header and example row', async () => {
    const file = await templateFile(template, 'csv');
    expect(file.body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    async function* body() {
      yield file.body;
    }
    const rows: TableRow[] = [];
    for await (const row of readCsvTable(readLines(body()))) rows.push(row);
    expect(rows).toEqual(expected);
  });
});
