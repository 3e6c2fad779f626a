import { type CsvRecord, readCsvRecords, readCsvTable, type CsvTableRow } from './csv';
import { readLines } from './line-reader';

async function records(text: string, maxLength?: number): Promise<CsvRecord[]> {
  async function* source() {
    yield Buffer.from(text);
  }
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords(readLines(source(), { maxLineLength: maxLength }), maxLength))
    out.push(r);
  return out;
}

async function table(text: string): Promise<CsvTableRow[]> {
  async function* source() {
    yield Buffer.from(text);
  }
  const out: CsvTableRow[] = [];
  for await (const row of readCsvTable(readLines(source()))) out.push(row);
  return out;
}

describe('readCsvTable', () => {
  describe('given blank lines before the header', () => {
    it('then they are blank rows and the first non-blank record is the header, names trimmed', async () => {
      expect(await table('\n  \n a , b \n1,2\n\n')).toEqual([
        { kind: 'blank', line: 1 },
        { kind: 'blank', line: 2 },
        { kind: 'header', line: 3, names: ['a', 'b'] },
        { kind: 'row', line: 4, fields: ['1', '2'] },
        { kind: 'blank', line: 5 },
      ]);
    });
  });

  describe('given a file with no header', () => {
    it('then it fails with IMPORT.INVALID_HEADER', async () => {
      await expect(table('\r\n\r\n')).rejects.toMatchObject({ code: 'IMPORT.INVALID_HEADER' });
    });
  });

  describe('given a header that is not UTF-8', () => {
    it('then it fails with IMPORT.INVALID_HEADER naming the charset to send', async () => {
      async function* gbk() {
        yield Buffer.from([0xc9, 0xcc, 0xc6, 0xb7, 0x0a, 0x41]);
      }
      const rows = async () => {
        for await (const _ of readCsvTable(readLines(gbk()))) void _;
      };
      await expect(rows()).rejects.toMatchObject({
        code: 'IMPORT.INVALID_HEADER',
        message: expect.stringContaining('charset=gb18030'),
      });
    });
  });
});

describe('readCsvRecords (csv-parse)', () => {
  it('reads plain and quoted fields with escaped quotes, and an empty last field', async () => {
    expect(await records('a,"b,c","d""e",\n')).toEqual([{ line: 1, fields: ['a', 'b,c', 'd"e', ''] }]);
  });

  it('numbers each record by the line it starts on, across multi-line quoted fields and CRLF', async () => {
    expect(await records('h\r\n"one\r\ntwo\r\nthree",x\r\n\r\nlast')).toEqual([
      { line: 1, fields: ['h'] },
      { line: 2, fields: ['one\ntwo\nthree', 'x'] },
      { line: 5, fields: [''] },
      { line: 6, fields: ['last'] },
    ]);
  });

  it('keeps rows of any length (the importer reports what is missing) and ,, as a row of empty fields', async () => {
    expect(await records('a,b,c\n1\n,,\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1'] },
      { line: 3, fields: ['', '', ''] },
    ]);
  });

  describe('given records csv-parse refuses', () => {
    it('then each is malformed_csv and the next line is read as a new record', async () => {
      expect(await records('h\n"a"b,c\nK1\nx"y,z\n"ok"\nK2')).toEqual([
        { line: 1, fields: ['h'] },
        { line: 2, error: 'malformed_csv' },
        { line: 3, fields: ['K1'] },
        { line: 4, error: 'malformed_csv' },
        { line: 5, fields: ['ok'] },
        { line: 6, fields: ['K2'] },
      ]);
    });

    it('then a quote never closed is reported once, on the line it opened', async () => {
      expect(await records('h\nK1\n5,"broken\nmore\n')).toEqual([
        { line: 1, fields: ['h'] },
        { line: 2, fields: ['K1'] },
        { line: 3, error: 'malformed_csv' },
      ]);
    });
  });

  describe('given an open quote that runs past the record limit', () => {
    it('then it is line_too_long once, without keeping it, and the next line starts a new record', async () => {
      const text = `h\n"${'x'.repeat(8)}\n${'y'.repeat(8)}\nK1\nK2\n`;
      expect(await records(text, 12)).toEqual([
        { line: 1, fields: ['h'] },
        { line: 2, error: 'line_too_long' },
        { line: 4, fields: ['K1'] },
        { line: 5, fields: ['K2'] },
      ]);
    });
  });

  describe('given lines the reader flags', () => {
    it('then they are reported by their line, and a record open before them is malformed_csv', async () => {
      async function* source() {
        yield Buffer.concat([Buffer.from('h\n"open\n'), Buffer.from([0xff, 0x0a]), Buffer.from('K1\n')]);
      }
      const out: CsvRecord[] = [];
      for await (const r of readCsvRecords(readLines(source()))) out.push(r);
      expect(out).toEqual([
        { line: 1, fields: ['h'] },
        { line: 2, error: 'malformed_csv' },
        { line: 3, error: 'invalid_encoding' },
        { line: 4, fields: ['K1'] },
      ]);
    });
  });

  it('reads 50,000 records in order, each on its own line number', async () => {
    const text = Array.from({ length: 50_000 }, (_, i) => `K-${i},"${i}"`).join('\r\n');
    const out = await records(text);
    expect(out).toHaveLength(50_000);
    expect(
      out.every((r, i) => r.line === i + 1 && r.fields?.[0] === `K-${i}` && r.fields[1] === `${i}`),
    ).toBe(true);
  });
});
