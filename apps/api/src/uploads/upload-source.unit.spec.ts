import { ApiError } from '../common/api-error';
import { peekUpload } from './upload-source';

async function* chunks(...parts: (string | Buffer)[]) {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

async function text(body: AsyncIterable<Buffer | string>): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of body) out.push(Buffer.from(c));
  return Buffer.concat(out).toString('latin1');
}

const unknown = () => new ApiError(415, 'API.UNSUPPORTED_MEDIA_TYPE', 'unknown');

describe('peekUpload', () => {
  it('reads a body starting with the zip signature as .xlsx whatever was declared, giving every byte back', async () => {
    for (const declared of ['txt', 'csv', 'xlsx', undefined] as const) {
      const peeked = await peekUpload(chunks('PK', '\x03\x04rest', '-of-it'), declared, unknown);
      expect(peeked.format).toBe('xlsx');
      expect(await text(peeked.body)).toBe('PK\x03\x04rest-of-it');
    }
  });

  it('keeps the declared text format for anything else', async () => {
    const peeked = await peekUpload(chunks('secret\n', 'K-1\n'), 'csv', unknown);
    expect(peeked.format).toBe('csv');
    expect(await text(peeked.body)).toBe('secret\nK-1\n');
    expect((await peekUpload(chunks(''), 'txt', unknown)).format).toBe('txt');
  });

  it.each<[string, Buffer, 'txt' | 'xlsx' | undefined, string]>([
    [
      'an .xls workbook',
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]),
      'txt',
      'IMPORT.INVALID_XLSX',
    ],
    ['text declared .xlsx', Buffer.from('secret\nK-1\n'), 'xlsx', 'IMPORT.INVALID_XLSX'],
    [
      'an octet-stream that is no workbook',
      Buffer.from('secret\nK-1\n'),
      undefined,
      'API.UNSUPPORTED_MEDIA_TYPE',
    ],
  ])('refuses %s, after reading it to its end', async (_, bytes, declared, code) => {
    let ended = false;
    async function* body() {
      yield bytes;
      yield Buffer.from('more');
      ended = true;
    }
    await expect(peekUpload(body(), declared, unknown)).rejects.toMatchObject({ code });
    expect(ended).toBe(true);
  });
});
