import { readCsvTable, type CsvTableRow } from './csv';
import { readLines } from './line-reader';

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
