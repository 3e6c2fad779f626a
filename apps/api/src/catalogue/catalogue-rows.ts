import { readCsvTable } from '../uploads/csv';
import { readLines, type UploadCharset } from '../uploads/line-reader';
import { readCatalogueRow, type CatalogueRow } from './catalogue-row';
import { type ColumnIndexes, type FieldMapping, resolveColumns } from './field-mapping';
import type { StockKindValues } from './stock-kind-values';

/** Longer than any sane catalogue row; keeps one broken line (an unclosed quote) from filling memory. */
const MAX_RECORD_LENGTH = 16_384;

export interface CatalogueRowOptions {
  mapping: FieldMapping;
  kinds: StockKindValues;
  charset?: UploadCharset;
}

/**
 * The rows of a catalogue CSV, read from its byte stream one line at a time. The header is matched against the
 * mapping first: a missing column fails the file before any row.
 */
export async function* catalogueRows(
  source: AsyncIterable<Buffer | string>,
  { mapping, kinds, charset }: CatalogueRowOptions,
): AsyncGenerator<CatalogueRow> {
  const lines = readLines(source, { maxLineLength: MAX_RECORD_LENGTH, charset });
  let columns: ColumnIndexes | undefined;
  for await (const row of readCsvTable(lines, MAX_RECORD_LENGTH)) {
    if (row.kind === 'header') columns = resolveColumns(mapping, row.names);
    else if (row.kind === 'row') yield readCatalogueRow(row.line, row.fields, columns!, kinds);
    else yield row;
  }
}
