import type { ApiError } from '../common/api-error';
import type { UploadCharset } from './line-reader';
import { drainBody, peekBody } from './upload-body';
import { invalidXlsx, receiveXlsx, type XlsxLimits, XLSX_LIMITS } from './xlsx';

export type TextFormat = 'txt' | 'csv';
export type UploadFormat = TextFormat | 'xlsx';

/** What an importer reads: a text body, streamed, or an .xlsx workbook on disk that passed the archive check. */
export type TableUpload =
  | { format: TextFormat; body: AsyncIterable<Buffer | string>; charset?: UploadCharset }
  | { format: 'xlsx'; path: string };

/** An upload whose kind is known and whose body is not read yet. */
export interface PeekedUpload {
  format: UploadFormat;
  body: AsyncIterable<Buffer | string>;
}

/**
 * Tells how an upload is read from its first bytes and what the client declared (`?format=`, the Content-Type).
 * A body that starts with the zip signature is an .xlsx workbook whatever was declared: zip bytes are never read
 * as text (they would be imported as keys or rows). An .xls (Excel 97-2003) or password-protected workbook, or a
 * body declared .xlsx that is not a zip, is IMPORT.INVALID_XLSX; a body of no known kind gets `unknown()` (the
 * route's 415). A refused body is read to its end first, so that the client sees the answer.
 */
export async function peekUpload(
  source: AsyncIterable<Buffer | string>,
  declared: UploadFormat | undefined,
  unknown: () => ApiError,
): Promise<PeekedUpload> {
  const { signature, body } = await peekBody(source);
  let refusal: ApiError | undefined;
  if (signature === 'zip') return { format: 'xlsx', body };
  if (signature === 'ole2') {
    refusal = invalidXlsx(
      'an .xls (Excel 97-2003) workbook, or an .xlsx saved with a password: save it as .xlsx without a password, or as CSV',
    );
  } else if (declared === 'xlsx') {
    refusal = invalidXlsx('the body is not an .xlsx workbook (it does not start with the zip signature)');
  } else if (declared === undefined) {
    refusal = unknown();
  }
  if (refusal) {
    await drainBody(body);
    throw refusal;
  }
  return { format: declared!, body };
}

/**
 * Makes a peeked upload readable: a text body as it is, an .xlsx body written to a temporary file and checked
 * (receiveXlsx). `dispose` removes what was written; call it when the import is done, whatever its outcome.
 */
export async function readyUpload(
  peeked: PeekedUpload,
  charset?: UploadCharset,
  limits: XlsxLimits = XLSX_LIMITS,
): Promise<{ upload: TableUpload; dispose(): Promise<void> }> {
  if (peeked.format !== 'xlsx') {
    return { upload: { format: peeked.format, body: peeked.body, charset }, dispose: async () => undefined };
  }
  const file = await receiveXlsx(peeked.body, limits);
  return { upload: { format: 'xlsx', path: file.path }, dispose: file.dispose };
}
