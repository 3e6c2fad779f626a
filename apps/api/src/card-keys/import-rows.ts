import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { columnIndex, readCsvTable } from '../uploads/csv';
import { type Line, readLines } from '../uploads/line-reader';

export const IMPORT_FORMATS = ['txt', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The vault's limit on a secret, after trimming. */
export const MAX_SECRET_LENGTH = 4096;

export type InvalidReason =
  | 'line_too_long'
  | 'secret_too_long'
  | 'invalid_encoding'
  | 'malformed_csv'
  | 'missing_field'
  | 'unit_id_taken';

export type ImportRow =
  | { kind: 'secret'; line: number; secret: string; loop: boolean }
  | { kind: 'blank'; line: number }
  | { kind: 'invalid'; line: number; reason: InvalidReason };

/** Column names tried, in order, when no `column` is given (case-insensitive). */
export const DEFAULT_SECRET_COLUMNS = ['secret', 'card_key', 'cardkey', 'key', 'code', '卡密'];
const LOOP_COLUMN = 'loop';
const TRUE_VALUES = new Set(['1', 'true', 'yes', 'y', '是']);

export interface RowOptions {
  format: ImportFormat;
  /** CSV only: the column holding the secret. */
  column?: string;
}

function secretRow(line: number, raw: string, loop: boolean): ImportRow {
  const secret = raw.trim();
  if (secret.length === 0) return { kind: 'blank', line };
  if (secret.length > MAX_SECRET_LENGTH) return { kind: 'invalid', line, reason: 'secret_too_long' };
  return { kind: 'secret', line, secret, loop };
}

async function* txtRows(lines: AsyncIterable<Line>): AsyncGenerator<ImportRow> {
  for await (const line of lines) {
    if (line.tooLong) yield { kind: 'invalid', line: line.number, reason: 'line_too_long' };
    else if (line.badEncoding) yield { kind: 'invalid', line: line.number, reason: 'invalid_encoding' };
    else yield secretRow(line.number, line.text, false);
  }
}

async function* csvRows(lines: AsyncIterable<Line>, column?: string): AsyncGenerator<ImportRow> {
  let secretIndex = -1;
  let loopIndex = -1;
  for await (const row of readCsvTable(lines, MAX_SECRET_LENGTH * 4)) {
    if (row.kind === 'header') {
      const wanted = column ? [column] : DEFAULT_SECRET_COLUMNS;
      secretIndex = columnIndex(row.names, ...wanted);
      if (secretIndex < 0) {
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          'IMPORT.COLUMN_NOT_FOUND',
          `no column ${wanted.map((w) => JSON.stringify(w.trim().toLowerCase())).join(' or ')} in the CSV header`,
          { header: row.names },
        );
      }
      loopIndex = columnIndex(row.names, LOOP_COLUMN);
      continue;
    }
    if (row.kind !== 'row') {
      yield row;
      continue;
    }
    if (row.fields.length <= secretIndex) {
      yield { kind: 'invalid', line: row.line, reason: 'missing_field' };
      continue;
    }
    const loop = loopIndex >= 0 && TRUE_VALUES.has((row.fields[loopIndex] ?? '').trim().toLowerCase());
    const secret = secretRow(row.line, row.fields[secretIndex], loop);
    // A data row whose secret cell is empty is a broken row, not a blank line.
    yield secret.kind === 'blank' ? { kind: 'invalid', line: row.line, reason: 'missing_field' } : secret;
  }
}

/** Rows of an upload, read from its byte stream one line at a time. */
export function importRows(
  source: AsyncIterable<Buffer | string>,
  options: RowOptions,
): AsyncGenerator<ImportRow> {
  const lines = readLines(source, { maxLineLength: MAX_SECRET_LENGTH * 4 });
  return options.format === 'csv' ? csvRows(lines, options.column) : txtRows(lines);
}
