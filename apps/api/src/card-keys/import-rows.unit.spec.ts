import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeXlsx } from '../../test/xlsx-fixtures';
import { ApiError } from '../common/api-error';
import { importRows, type ImportRow, type RowOptions, TEMPLATE_EXAMPLE_SECRET } from './import-rows';

async function rows(text: string, options: RowOptions & { format: 'txt' | 'csv' }): Promise<ImportRow[]> {
  async function* source() {
    yield Buffer.from(text);
  }
  const out: ImportRow[] = [];
  for await (const row of importRows({ format: options.format, body: source() }, options)) out.push(row);
  return out;
}

describe('importRows', () => {
  it('TXT: trims keys, counts blank lines, skips a BOM, handles CRLF', async () => {
    expect(await rows('\uFEFFK-1\r\n  K-2  \r\n\r\n\nK-3', { format: 'txt' })).toEqual([
      { kind: 'secret', line: 1, secret: 'K-1', loop: false },
      { kind: 'secret', line: 2, secret: 'K-2', loop: false },
      { kind: 'blank', line: 3 },
      { kind: 'blank', line: 4 },
      { kind: 'secret', line: 5, secret: 'K-3', loop: false },
    ]);
  });

  it('TXT: a key over 4,096 characters is invalid', async () => {
    expect(await rows(`${'x'.repeat(4097)}\nok`, { format: 'txt' })).toEqual([
      { kind: 'invalid', line: 1, reason: 'secret_too_long' },
      { kind: 'secret', line: 2, secret: 'ok', loop: false },
    ]);
  });

  it('CSV: finds the secret column by name, reads the loop flag and multi-line quoted fields', async () => {
    const csv = 'id,Secret,loop\r\n1,A-1,\r\n2,"B,2",yes\r\n\r\n3,"C\nline",0\r\n4\r\n5,"broken\r\n';
    expect(await rows(csv, { format: 'csv' })).toEqual([
      { kind: 'secret', line: 2, secret: 'A-1', loop: false },
      { kind: 'secret', line: 3, secret: 'B,2', loop: true },
      { kind: 'blank', line: 4 },
      { kind: 'secret', line: 5, secret: 'C\nline', loop: false },
      { kind: 'invalid', line: 7, reason: 'missing_field' },
      { kind: 'invalid', line: 8, reason: 'malformed_csv' },
    ]);
  });

  it('CSV: a named column that is not in the header fails the file with IMPORT.COLUMN_NOT_FOUND', async () => {
    const error = await rows('a,b\n1,2\n', { format: 'csv', column: 'code2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('IMPORT.COLUMN_NOT_FOUND');
    expect((error as ApiError).details).toEqual({ header: ['a', 'b'] });
  });

  it('CSV: an empty secret cell is invalid, not blank', async () => {
    expect(await rows('secret,note\n,x\n', { format: 'csv' })).toEqual([
      { kind: 'invalid', line: 2, reason: 'missing_field' },
    ]);
  });
});

describe('importRows from an .xlsx workbook', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'import-rows-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the named column and the loop flag by spreadsheet row, like the same rows as CSV', async () => {
    const path = join(dir, 'keys.xlsx');
    const sheet = [['id', 'Secret', 'loop'], [1, 'A-1', null], [2, 'B,2', 'yes'], null, [3, 'C', true], [4]];
    await writeXlsx(path, sheet);
    const fromXlsx: ImportRow[] = [];
    for await (const row of importRows({ format: 'xlsx', path })) fromXlsx.push(row);
    expect(fromXlsx).toEqual([
      { kind: 'secret', line: 2, secret: 'A-1', loop: false },
      { kind: 'secret', line: 3, secret: 'B,2', loop: true },
      { kind: 'blank', line: 4 },
      { kind: 'secret', line: 5, secret: 'C', loop: true },
      { kind: 'invalid', line: 6, reason: 'missing_field' },
    ]);
    expect(
      await rows('id,Secret,loop\r\n1,A-1,\r\n2,"B,2",yes\r\n\r\n3,C,TRUE\r\n4\r\n', { format: 'csv' }),
    ).toEqual(fromXlsx);
  });
});

describe('the template example key', () => {
  it('is refused as example_row, in every format', async () => {
    expect(await rows(`${TEMPLATE_EXAMPLE_SECRET}\nK-1\n`, { format: 'txt' })).toEqual([
      { kind: 'invalid', line: 1, reason: 'example_row' },
      { kind: 'secret', line: 2, secret: 'K-1', loop: false },
    ]);
    expect(await rows(`secret,loop\n${TEMPLATE_EXAMPLE_SECRET},no\n`, { format: 'csv' })).toEqual([
      { kind: 'invalid', line: 2, reason: 'example_row' },
    ]);
  });
});
