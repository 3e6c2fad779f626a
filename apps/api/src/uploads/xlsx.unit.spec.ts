import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeXlsx, writeZip, WORKBOOK_PARTS, zipOf } from '../../test/xlsx-fixtures';
import type { TableRecord } from './table';
import { checkXlsxArchive, readXlsxRecords, readXlsxTable, receiveXlsx, XLSX_LIMITS } from './xlsx';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xlsx-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const file = (name = 'f.xlsx') => join(dir, `${n++}-${name}`);

async function records(path: string, maxRowLength = 16_384): Promise<TableRecord[]> {
  const out: TableRecord[] = [];
  for await (const r of readXlsxRecords(path, { maxRowLength })) out.push(r);
  return out;
}

async function* chunks(...parts: Buffer[]) {
  yield* parts;
}

describe('readXlsxRecords', () => {
  describe('given a sheet with numbers, booleans, an empty cell and rows left out', () => {
    it('then each row is read as text by its spreadsheet row number, left-out rows blank', async () => {
      const path = file();
      await writeXlsx(path, [
        ['secret', 'loop'],
        ['K-1', true],
        null,
        [12345, false],
        ['K-3', null],
        null,
        [' '],
      ]);
      expect(await records(path)).toEqual([
        { line: 1, fields: ['secret', 'loop'] },
        { line: 2, fields: ['K-1', 'TRUE'] },
        { line: 3, fields: [''] },
        { line: 4, fields: ['12345', 'FALSE'] },
        { line: 5, fields: ['K-3'] },
        { line: 6, fields: [''] },
        { line: 7, fields: [''] },
      ]);
    });
  });

  describe('given Chinese text in a file large enough to be unpacked in many chunks', () => {
    it.each([
      ['shared strings', true],
      ['inline strings', false],
    ])('then no character is broken at a chunk boundary (%s)', async (_, sharedStrings) => {
      const path = file();
      const rows = Array.from({ length: 6_000 }, (_, i) => [`商品-${i}-礼品卡充值`, `名称 ${i} 直充`]);
      await writeXlsx(path, rows, { sharedStrings });
      const out = await records(path);
      expect(out).toHaveLength(rows.length);
      expect(out.filter((r, i) => r.fields?.join('|') !== rows[i].join('|'))).toEqual([]);
    });
  });

  describe('given a workbook of several sheets', () => {
    it('then only the first tab is read', async () => {
      const path = file();
      await writeXlsx(path, [['secret'], ['FIRST']], { sheets: [{ name: 'notes', rows: [['NOT-A-KEY']] }] });
      expect(await records(path)).toEqual([
        { line: 1, fields: ['secret'] },
        { line: 2, fields: ['FIRST'] },
      ]);
    });
  });

  describe('given a row longer than the bound', () => {
    it('then it is line_too_long and the next row is read', async () => {
      const path = file();
      await writeXlsx(path, [['secret'], ['x'.repeat(30)], ['ok']]);
      expect(await records(path, 20)).toEqual([
        { line: 1, fields: ['secret'] },
        { line: 2, error: 'line_too_long' },
        { line: 3, fields: ['ok'] },
      ]);
    });
  });

  describe('given a caller that stops early', () => {
    it('then the temporary copies exceljs made are gone once the generator returns', async () => {
      const path = file();
      await writeXlsx(
        path,
        Array.from({ length: 3_000 }, (_, i) => [`K-${i}`]),
        { sharedStrings: true },
      );
      // exceljs's temporary files: tmp names them tmp-<pid>-… in os.tmpdir().
      const copies = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`tmp-${process.pid}-`));
      const before = copies().length;
      let seen = 0;
      for await (const r of readXlsxRecords(path, { maxRowLength: 100 })) {
        seen = r.line;
        // The sheet precedes the shared strings in the archive: exceljs reads it from a temporary copy.
        if (r.line === 10) expect(copies().length).toBe(before + 1);
        if (r.line === 10) break;
      }
      expect(seen).toBe(10);
      // tmp removes a file asynchronously (close, then unlink).
      for (let i = 0; i < 50 && copies().length > before; i++) await new Promise((r) => setTimeout(r, 20));
      expect(copies()).toHaveLength(before);
    });
  });
});

describe('readXlsxTable', () => {
  it('takes the first non-blank row as the header, like a CSV file', async () => {
    const path = file();
    await writeXlsx(path, [null, [' Secret ', 'loop'], ['K-1', 'yes']]);
    const out = [];
    for await (const row of readXlsxTable(path, 100)) out.push(row);
    expect(out).toEqual([
      { kind: 'blank', line: 1 },
      { kind: 'header', line: 2, names: ['Secret', 'loop'] },
      { kind: 'row', line: 3, fields: ['K-1', 'yes'] },
    ]);
  });

  it('fails with IMPORT.INVALID_HEADER on an empty sheet', async () => {
    const path = file();
    await writeXlsx(path, []);
    const read = async () => {
      for await (const _ of readXlsxTable(path, 100)) void _;
    };
    await expect(read()).rejects.toMatchObject({ code: 'IMPORT.INVALID_HEADER' });
  });
});

describe('checkXlsxArchive', () => {
  it('passes a workbook exceljs wrote', async () => {
    const path = file();
    await writeXlsx(path, [['secret'], ['K-1']]);
    await expect(checkXlsxArchive(path)).resolves.toBeUndefined();
  });

  describe.each<[string, () => Buffer, number, string]>([
    [
      'a zip bomb (a part that unpacks past the bound)',
      () => zipOf([...WORKBOOK_PARTS, { name: 'xl/sharedStrings.xml', data: Buffer.alloc(3 * 2 ** 20) }]),
      413,
      'IMPORT.FILE_TOO_LARGE',
    ],
    [
      'a zip that is not a workbook',
      () => zipOf([{ name: 'hello.txt', data: Buffer.from('hello') }]),
      400,
      'IMPORT.INVALID_XLSX',
    ],
    [
      'an encrypted part',
      () =>
        zipOf([...WORKBOOK_PARTS, { name: 'xl/styles.xml', data: Buffer.from('x'), method: 0, flags: 1 }]),
      400,
      'IMPORT.INVALID_XLSX',
    ],
    [
      'a part compressed another way',
      () => zipOf([...WORKBOOK_PARTS, { name: 'xl/styles.xml', data: Buffer.from('x'), method: 12 }]),
      400,
      'IMPORT.INVALID_XLSX',
    ],
    [
      'corrupt deflate data',
      () => {
        const zip = zipOf([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook>'.repeat(50)) }]);
        zip.fill(0xff, 40, 60);
        return zip;
      },
      400,
      'IMPORT.INVALID_XLSX',
    ],
    [
      'a truncated archive',
      () =>
        zipOf([...WORKBOOK_PARTS, { name: 'xl/big.xml', data: Buffer.from('y'.repeat(5000)) }]).subarray(
          0,
          90,
        ),
      400,
      'IMPORT.INVALID_XLSX',
    ],
    ['text that is not a zip at all', () => Buffer.from('secret\nK-1\n'), 400, 'IMPORT.INVALID_XLSX'],
  ])('given %s', (_, bytes, status, code) => {
    it(`then it is ${status} ${code}`, async () => {
      const path = file('bad.xlsx');
      writeFileSync(path, bytes());
      await expect(
        checkXlsxArchive(path, { ...XLSX_LIMITS, maxUnpackedBytes: 2 ** 20 }),
      ).rejects.toMatchObject({
        status,
        code,
      });
    });
  });

  it('refuses more parts than the bound', async () => {
    const path = file('many.xlsx');
    writeZip(path, [
      ...WORKBOOK_PARTS,
      ...Array.from({ length: 5 }, (_, i) => ({ name: `p${i}`, data: Buffer.from('x') })),
    ]);
    await expect(checkXlsxArchive(path, { ...XLSX_LIMITS, maxEntries: 4 })).rejects.toMatchObject({
      code: 'IMPORT.FILE_TOO_LARGE',
    });
  });
});

describe('receiveXlsx', () => {
  it('keeps the upload in a private file until disposed', async () => {
    const path = file();
    await writeXlsx(path, [['secret'], ['K-1']]);
    const { readFileSync } = await import('node:fs');
    const received = await receiveXlsx(chunks(readFileSync(path)));
    expect(received.bytes).toBe(readFileSync(path).length);
    expect(await records(received.path)).toEqual([
      { line: 1, fields: ['secret'] },
      { line: 2, fields: ['K-1'] },
    ]);
    await received.dispose();
    expect(() => readFileSync(received.path)).toThrow();
  });

  it('refuses an upload over the size bound with IMPORT.FILE_TOO_LARGE, reading it to its end', async () => {
    let read = 0;
    async function* big() {
      for (let i = 0; i < 10; i++) {
        read += 1;
        yield Buffer.alloc(1024, 0x50);
      }
    }
    await expect(receiveXlsx(big(), { ...XLSX_LIMITS, maxFileBytes: 4096 })).rejects.toMatchObject({
      status: 413,
      code: 'IMPORT.FILE_TOO_LARGE',
    });
    expect(read).toBe(10);
  });
});

describe('readXlsxTable, rows shorter than the header', () => {
  it('fills them with empty cells: a sheet stores no empty cell at the end of a row', async () => {
    const path = file();
    await writeXlsx(path, [['sku', 'kind', 'cap'], ['A', '卡密', null], ['B']]);
    const out = [];
    for await (const row of readXlsxTable(path, 100)) out.push(row);
    expect(out).toEqual([
      { kind: 'header', line: 1, names: ['sku', 'kind', 'cap'] },
      { kind: 'row', line: 2, fields: ['A', '卡密', ''] },
      { kind: 'row', line: 3, fields: ['B', '', ''] },
    ]);
  });
});
