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

/** Reads and discards an upload we do not need, so the client sees our answer rather than a reset connection. */
export async function drain(request: Request): Promise<void> {
  for await (const _ of request) void _;
}
