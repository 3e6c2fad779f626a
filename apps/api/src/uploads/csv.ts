import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import type { Line } from './line-reader';

export type CsvRecord =
  | { line: number; fields: string[]; error?: undefined }
  | { line: number; fields?: undefined; error: 'malformed_csv' | 'line_too_long' | 'invalid_encoding' };

/** Parses one complete CSV record (RFC 4180 quoting, `""` escapes). Returns null while a quoted field is open. */
export function parseCsvRecord(text: string): { fields: string[] } | { malformed: true } | null {
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let fieldStart = true;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        // After a closing quote only a separator (or the end) may follow.
        if (i < text.length && text[i] !== ',') return { malformed: true };
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      fieldStart = true;
      i += 1;
      continue;
    }
    if (c === '"') {
      if (!fieldStart) return { malformed: true };
      quoted = true;
      fieldStart = false;
      i += 1;
      continue;
    }
    field += c;
    fieldStart = false;
    i += 1;
  }
  if (quoted) return null;
  fields.push(field);
  return { fields };
}

/**
 * Joins physical lines into CSV records (a quoted field may span lines) and parses them. A record never grows
 * past `maxRecordLength`: an unterminated quote is reported once and parsing resumes at the next line.
 * Blank lines outside a quoted field are yielded as records with one empty field.
 */
export async function* readCsvRecords(
  lines: AsyncIterable<Line>,
  maxRecordLength = 16_384,
): AsyncGenerator<CsvRecord> {
  let open: { line: number; text: string } | null = null;
  for await (const line of lines) {
    if (line.tooLong || line.badEncoding) {
      if (open) {
        yield { line: open.line, error: 'malformed_csv' };
        open = null;
      }
      yield { line: line.number, error: line.tooLong ? 'line_too_long' : 'invalid_encoding' };
      continue;
    }
    const record: { line: number; text: string } = open
      ? { line: open.line, text: `${open.text}\n${line.text}` }
      : { line: line.number, text: line.text };
    const parsed = parseCsvRecord(record.text);
    if (parsed === null) {
      if (record.text.length > maxRecordLength) {
        yield { line: record.line, error: 'line_too_long' };
        open = null;
      } else {
        open = record;
      }
      continue;
    }
    open = null;
    yield 'malformed' in parsed
      ? { line: record.line, error: 'malformed_csv' }
      : { line: record.line, fields: parsed.fields };
  }
  if (open) yield { line: open.line, error: 'malformed_csv' };
}

export type CsvTableRow =
  | { kind: 'header'; line: number; names: string[] }
  | { kind: 'row'; line: number; fields: string[] }
  | { kind: 'blank'; line: number }
  | { kind: 'invalid'; line: number; reason: NonNullable<CsvRecord['error']> };

function isBlank(fields: string[]): boolean {
  return fields.length === 1 && fields[0].trim() === '';
}

/**
 * A CSV file with a header: the first record that is not blank. Yields the header (names trimmed) once, then
 * every data row, blank line and unreadable record. A header that cannot be read, or none at all, fails the
 * whole file (IMPORT.INVALID_HEADER) before any data row is seen.
 */
export async function* readCsvTable(
  lines: AsyncIterable<Line>,
  maxRecordLength?: number,
): AsyncGenerator<CsvTableRow> {
  let headerSeen = false;
  for await (const record of readCsvRecords(lines, maxRecordLength)) {
    if (!headerSeen) {
      if (record.error) {
        const hint =
          record.error === 'invalid_encoding'
            ? ' (save the file as UTF-8, or name its charset: Content-Type text/csv; charset=gb18030)'
            : '';
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          'IMPORT.INVALID_HEADER',
          `the CSV header (line ${record.line}) cannot be read: ${record.error}${hint}`,
        );
      }
      if (isBlank(record.fields)) {
        yield { kind: 'blank', line: record.line };
        continue;
      }
      headerSeen = true;
      yield { kind: 'header', line: record.line, names: record.fields.map((f) => f.trim()) };
      continue;
    }
    if (record.error) yield { kind: 'invalid', line: record.line, reason: record.error };
    else if (isBlank(record.fields)) yield { kind: 'blank', line: record.line };
    else yield { kind: 'row', line: record.line, fields: record.fields };
  }
  if (!headerSeen) {
    throw new ApiError(HttpStatus.BAD_REQUEST, 'IMPORT.INVALID_HEADER', 'the CSV file has no header line');
  }
}

/** The index of the first wanted name in the header (case-insensitive), or -1. */
export function columnIndex(header: string[], ...wanted: string[]): number {
  const names = header.map((n) => n.toLowerCase());
  return wanted.map((w) => names.indexOf(w.trim().toLowerCase())).find((i) => i >= 0) ?? -1;
}
