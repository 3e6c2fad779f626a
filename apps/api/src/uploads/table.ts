import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';

/** Why a record of an upload cannot be read: reported on its row, never fatal (but for the header). */
export type RecordError = 'malformed_csv' | 'line_too_long' | 'invalid_encoding';

/** One record of a tabular upload (a CSV record or a spreadsheet row), by the line or row it starts on. */
export type TableRecord =
  | { line: number; fields: string[]; error?: undefined }
  | { line: number; fields?: undefined; error: RecordError };

export type TableRow =
  | { kind: 'header'; line: number; names: string[] }
  | { kind: 'row'; line: number; fields: string[] }
  | { kind: 'blank'; line: number }
  | { kind: 'invalid'; line: number; reason: RecordError };

/** A blank line: one field, empty or spaces. `,,` is a row of empty fields, not a blank line. */
function isBlank(fields: string[]): boolean {
  return fields.length === 1 && fields[0].trim() === '';
}

/**
 * A table with a header: the first record that is not blank. Yields the header (names trimmed) once, then every
 * data row, blank record and unreadable record. A header that cannot be read, or none at all, fails the whole
 * file (IMPORT.INVALID_HEADER) before any data row is seen. `what` names the file in messages ("CSV", "xlsx").
 */
export async function* readTable(
  records: AsyncIterable<TableRecord>,
  what: 'CSV' | 'xlsx',
): AsyncGenerator<TableRow> {
  let headerSeen = false;
  let width = 0;
  for await (const record of records) {
    if (!headerSeen) {
      if (record.error) {
        const hint =
          record.error === 'invalid_encoding'
            ? ' (save the file as UTF-8, or name its charset: Content-Type text/csv; charset=gb18030)'
            : '';
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          'IMPORT.INVALID_HEADER',
          `the ${what} header (${what === 'CSV' ? 'line' : 'row'} ${record.line}) cannot be read: ${record.error}${hint}`,
        );
      }
      if (isBlank(record.fields)) {
        yield { kind: 'blank', line: record.line };
        continue;
      }
      headerSeen = true;
      width = record.fields.length;
      yield { kind: 'header', line: record.line, names: record.fields.map((f) => f.trim()) };
      continue;
    }
    if (record.error) yield { kind: 'invalid', line: record.line, reason: record.error };
    else if (isBlank(record.fields)) yield { kind: 'blank', line: record.line };
    else if (what === 'xlsx' && record.fields.length < width) {
      // A spreadsheet stores no empty cell at the end of a row: there, a short row is empty cells, not a cut one.
      const fields = [...record.fields];
      while (fields.length < width) fields.push('');
      yield { kind: 'row', line: record.line, fields };
    } else yield { kind: 'row', line: record.line, fields: record.fields };
  }
  if (!headerSeen) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'IMPORT.INVALID_HEADER',
      what === 'CSV' ? 'the CSV file has no header line' : 'the first worksheet has no header row',
    );
  }
}

/** The index of the first wanted name in the header (case-insensitive), or -1. */
export function columnIndex(header: string[], ...wanted: string[]): number {
  const names = header.map((n) => n.toLowerCase());
  return wanted.map((w) => names.indexOf(w.trim().toLowerCase())).find((i) => i >= 0) ?? -1;
}
