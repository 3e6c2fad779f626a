import { HttpStatus } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { UPLOAD_CHARSETS, type UploadCharset } from './line-reader';

/** The media type of a request, lower case, without its parameters ('' when there is none). */
export function mediaTypeOf(request: Request): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

const CHARSET_ALIASES: Record<string, UploadCharset> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gb18030: 'gb18030',
  gbk: 'gb18030',
  gb2312: 'gb18030',
};

/** The `charset` parameter of the Content-Type (default utf-8); GBK and GB2312 are read as their superset GB18030. */
export function charsetOf(request: Request): UploadCharset {
  const header = request.headers['content-type'] ?? '';
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(header);
  if (!match) return 'utf-8';
  const charset = CHARSET_ALIASES[match[1].toLowerCase()];
  if (!charset) {
    throw new ApiError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'API.UNSUPPORTED_MEDIA_TYPE',
      `charset ${match[1]}: send ${UPLOAD_CHARSETS.join(' or ')} (gbk and gb2312 are read as gb18030)`,
    );
  }
  return charset;
}

/** The 415 for a body that is not a file of one of the `accepted` media types. */
export function unsupportedUpload(type: string, accepted: string): ApiError {
  return new ApiError(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'API.UNSUPPORTED_MEDIA_TYPE',
    type.startsWith('multipart/')
      ? `send the file itself as the request body (${accepted}), not as a multipart form`
      : `Content-Type ${type || '(none)'}: send ${accepted}`,
  );
}

/** The first bytes of a file that tell its kind, whatever its name or declared type. */
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
/** An OLE2 compound file: an .xls (Excel 97-2003) workbook, or an .xlsx saved with a password. */
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

export type BodySignature = 'zip' | 'ole2' | 'other';

export function signatureOf(head: Buffer): BodySignature {
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) return 'zip';
  if (head.subarray(0, 8).equals(OLE2_MAGIC)) return 'ole2';
  return 'other';
}

/**
 * Reads the first bytes of an upload (at most one or two chunks) to tell its kind, and gives the whole body back,
 * those bytes included, to be read once. The request must then be read through `body` only.
 */
export async function peekBody(
  source: AsyncIterable<Buffer | string>,
): Promise<{ signature: BodySignature; body: AsyncIterable<Buffer | string> }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < OLE2_MAGIC.length) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    size += chunk.length;
  }
  async function* body(): AsyncGenerator<Buffer> {
    yield* head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  return { signature: signatureOf(Buffer.concat(head)), body: body() };
}

/**
 * Reads and discards what is left of an upload we do not need (already peeked at), so that the client sees our
 * answer rather than a reset connection.
 */
export async function drainBody(body: AsyncIterable<Buffer | string>): Promise<void> {
  for await (const _ of body) void _;
}
