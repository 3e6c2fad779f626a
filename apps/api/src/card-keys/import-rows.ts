import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { readCsvTable } from '../uploads/csv';
import { type Line, readLines } from '../uploads/line-reader';
import { columnIndex, type TableRow } from '../uploads/table';
import type { TableUpload } from '../uploads/upload-source';
import { readXlsxTable } from '../uploads/xlsx';

export const IMPORT_FORMATS = ['txt', 'csv', 'xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/**
 * The example row of the import template (GET /v1/card-keys/imports/template). A row that still holds it is
 * `invalid` (`example_row`), never a key in stock: a template filled in below its example would otherwise sell it.
 */
export const TEMPLATE_EXAMPLE_SECRET = 'EXAMPLE-KEY-示例卡密-请删除此行';

/** The vault's limit on a secret, after trimming. */
export const MAX_SECRET_LENGTH = 4096;

export type InvalidReason =
  | 'line_too_long'
  | 'secret_too_long'
  | 'invalid_encoding'
  | 'malformed_csv'
  | 'missing_field'
  | 'example_row'
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
  /** CSV and xlsx: the column holding the secret. */
  column?: string;
}

/** Rows of a CSV record or spreadsheet row: a record, and a record of a table, are bounded alike. */
const MAX_ROW_LENGTH = MAX_SECRET_LENGTH * 4;

function secretRow(line: number, raw: string, loop: boolean): ImportRow {
  const secret = raw.trim();
  if (secret.length === 0) return { kind: 'blank', line };
  if (secret.length > MAX_SECRET_LENGTH) return { kind: 'invalid', line, reason: 'secret_too_long' };
  if (secret === TEMPLATE_EXAMPLE_SECRET) return { kind: 'invalid', line, reason: 'example_row' };
  return { kind: 'secret', line, secret, loop };
}

async function* txtRows(lines: AsyncIterable<Line>): AsyncGenerator<ImportRow> {
  for await (const line of lines) {
    if (line.tooLong) yield { kind: 'invalid', line: line.number, reason: 'line_too_long' };
    else if (line.badEncoding) yield { kind: 'invalid', line: line.number, reason: 'invalid_encoding' };
    else yield secretRow(line.number, line.text, false);
  }
}

async function* tableRows(
  table: AsyncIterable<TableRow>,
  what: 'CSV' | 'xlsx',
  column?: string,
): AsyncGenerator<ImportRow> {
  let secretIndex = -1;
  let loopIndex = -1;
  for await (const row of table) {
    if (row.kind === 'header') {
      const wanted = column ? [column] : DEFAULT_SECRET_COLUMNS;
      secretIndex = columnIndex(row.names, ...wanted);
      if (secretIndex < 0) {
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          'IMPORT.COLUMN_NOT_FOUND',
          `no column ${wanted.map((w) => JSON.stringify(w.trim().toLowerCase())).join(' or ')} in the ${what} header`,
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

/** Rows of an upload: a TXT or CSV body read one line at a time, or an .xlsx workbook's first sheet row by row. */
export function importRows(upload: TableUpload, options: RowOptions = {}): AsyncGenerator<ImportRow> {
  if (upload.format === 'xlsx')
    return tableRows(readXlsxTable(upload.path, MAX_ROW_LENGTH), 'xlsx', options.column);
  const lines = readLines(upload.body, { maxLineLength: MAX_ROW_LENGTH, charset: upload.charset });
  return upload.format === 'csv'
    ? tableRows(readCsvTable(lines, MAX_ROW_LENGTH), 'CSV', options.column)
    : txtRows(lines);
}
