export interface Line {
  /** 1-based physical line number in the file. */
  number: number;
  text: string;
  /** The line was longer than the limit; `text` is empty and the line must be reported, not used. */
  tooLong: boolean;
  /** The line held bytes that are not valid in the charset (decoded as U+FFFD). */
  badEncoding: boolean;
}

/** Encodings an upload may be in: UTF-8, or the GB18030 family (GBK, GB2312) that Chinese spreadsheets save. */
export const UPLOAD_CHARSETS = ['utf-8', 'gb18030'] as const;
export type UploadCharset = (typeof UPLOAD_CHARSETS)[number];

export interface ReadLinesOptions {
  /** Characters a line may hold; a longer one is cut off (kept out of memory) and flagged. */
  maxLineLength?: number;
  /** Default utf-8. */
  charset?: UploadCharset;
}

const LF = 10;
const CR = 13;
const BOM = 0xfeff;
const REPLACEMENT = '\uFFFD';

/**
 * Splits a byte stream into lines without ever holding more than one line (plus one chunk) in memory. Accepts
 * LF, CRLF and lone CR endings, even when a CRLF or a multi-byte character straddles two chunks, and drops a
 * byte-order mark at the start. Blank lines are yielded (callers count them); a final line without a line
 * ending is yielded too.
 */
export async function* readLines(
  source: AsyncIterable<Buffer | string>,
  { maxLineLength = 16_384, charset = 'utf-8' }: ReadLinesOptions = {},
): AsyncGenerator<Line> {
  // ignoreBOM keeps the mark in the text, so that one rule (below) drops it whatever the charset.
  const decoder = new TextDecoder(charset, { ignoreBOM: true });
  let pending = '';
  let tooLong = false;
  let number = 0;
  let atStart = true;
  let skipLf = false;

  const take = (): Line => {
    const line: Line = {
      number: ++number,
      text: tooLong ? '' : pending,
      tooLong,
      badEncoding: !tooLong && pending.includes(REPLACEMENT),
    };
    pending = '';
    tooLong = false;
    return line;
  };

  function* split(text: string): Generator<Line> {
    let start = 0;
    if (atStart && text.length > 0) {
      atStart = false;
      if (text.charCodeAt(0) === BOM) start = 1;
    }
    if (skipLf && text.length > start) {
      skipLf = false;
      if (text.charCodeAt(start) === LF) start += 1;
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      append(text, start, i);
      yield take();
      if (c === CR) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === LF) i += 1;
        } else {
          skipLf = true;
        }
      }
      start = i + 1;
    }
    append(text, start, text.length);
  }

  function append(text: string, from: number, to: number): void {
    if (tooLong || from >= to) return;
    if (pending.length + (to - from) > maxLineLength) {
      tooLong = true;
      pending = '';
      return;
    }
    pending += text.slice(from, to);
  }

  for await (const chunk of source) {
    yield* split(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  yield* split(decoder.decode());
  if (pending.length > 0 || tooLong) yield take();
}
