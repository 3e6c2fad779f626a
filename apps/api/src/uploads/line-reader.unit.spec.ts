import { readLines, type Line, type UploadCharset } from './line-reader';

async function collect(
  chunks: (string | Buffer)[],
  maxLineLength?: number,
  charset?: UploadCharset,
): Promise<Line[]> {
  async function* source() {
    for (const c of chunks) yield c;
  }
  const out: Line[] = [];
  for await (const line of readLines(source(), { maxLineLength, charset })) out.push(line);
  return out;
}

const texts = (lines: Line[]) => lines.map((l) => l.text);

describe('readLines', () => {
  it('splits LF, CRLF and lone CR endings and numbers every physical line', async () => {
    const lines = await collect(['a\nb\r\nc\rd']);
    expect(texts(lines)).toEqual(['a', 'b', 'c', 'd']);
    expect(lines.map((l) => l.number)).toEqual([1, 2, 3, 4]);
  });

  it('keeps blank lines and does not invent a line after a final newline', async () => {
    expect(texts(await collect(['a\n\n\r\nb\n']))).toEqual(['a', '', '', 'b']);
  });

  it('treats a CRLF split across two chunks as one line ending', async () => {
    expect(texts(await collect(['a\r', '\nb\r', '\n']))).toEqual(['a', 'b']);
  });

  it('drops a UTF-8 byte-order mark at the start only, even when its bytes straddle chunks', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x\n\uFEFFy\n')]);
    expect(texts(await collect([bytes.subarray(0, 2), bytes.subarray(2)]))).toEqual(['x', '\uFEFFy']);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = Buffer.from('卡密-1\n卡密-2\n');
    const lines = await collect([bytes.subarray(0, 1), bytes.subarray(1, 5), bytes.subarray(5)]);
    expect(texts(lines)).toEqual(['卡密-1', '卡密-2']);
    expect(lines.every((l) => !l.badEncoding)).toBe(true);
  });

  it('flags bytes that are not UTF-8', async () => {
    const lines = await collect([Buffer.from([0x41, 0xff, 0x0a, 0x42])]);
    expect(lines.map((l) => l.badEncoding)).toEqual([true, false]);
  });

  it('decodes GBK (GB18030) when asked, even with a character split between chunks', async () => {
    // 商品编码 in GBK
    const bytes = Buffer.from([0xc9, 0xcc, 0xc6, 0xb7, 0xb1, 0xe0, 0xc2, 0xeb, 0x0d, 0x0a, 0x41]);
    const lines = await collect([bytes.subarray(0, 3), bytes.subarray(3)], undefined, 'gb18030');
    expect(texts(lines)).toEqual(['商品编码', 'A']);
    expect(lines.every((l) => !l.badEncoding)).toBe(true);
  });

  it('flags GBK bytes read as UTF-8', async () => {
    const lines = await collect([Buffer.from([0xc9, 0xcc, 0xc6, 0xb7, 0x0a])]);
    expect(lines[0].badEncoding).toBe(true);
  });

  it('flags an over-long line without keeping it, then goes on', async () => {
    const lines = await collect(['ok\n', 'x'.repeat(6), 'x'.repeat(6), '\nnext'], 10);
    expect(lines).toEqual([
      { number: 1, text: 'ok', tooLong: false, badEncoding: false },
      { number: 2, text: '', tooLong: true, badEncoding: false },
      { number: 3, text: 'next', tooLong: false, badEncoding: false },
    ]);
  });

  it('yields nothing for an empty stream', async () => {
    expect(await collect([])).toEqual([]);
  });
});
