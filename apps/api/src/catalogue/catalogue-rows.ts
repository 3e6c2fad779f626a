import { readCsvTable } from '../uploads/csv';
import { readLines } from '../uploads/line-reader';
import type { TableUpload } from '../uploads/upload-source';
import { readXlsxTable } from '../uploads/xlsx';
import { readCatalogueRow, type CatalogueRow } from './catalogue-row';
import { type ColumnIndexes, type FieldMapping, resolveColumns } from './field-mapping';
import type { StockKindValues } from './stock-kind-values';

/** Longer than any sane catalogue row; keeps one broken line (an unclosed quote) from filling memory. */
const MAX_RECORD_LENGTH = 16_384;

export interface CatalogueRowOptions {
  mapping: FieldMapping;
  kinds: StockKindValues;
}

/**
 * The rows of a catalogue: a CSV read from its byte stream one line at a time (in the upload's charset), or the
 * first sheet of an .xlsx workbook row by row. The header is matched against the mapping first: a missing column
 * fails the file before any row.
 */
export async function* catalogueRows(
  upload: Exclude<TableUpload, { format: 'txt' }>,
  { mapping, kinds }: CatalogueRowOptions,
): AsyncGenerator<CatalogueRow> {
  const table =
    upload.format === 'xlsx'
      ? readXlsxTable(upload.path, MAX_RECORD_LENGTH)
      : readCsvTable(
          readLines(upload.body, { maxLineLength: MAX_RECORD_LENGTH, charset: upload.charset }),
          MAX_RECORD_LENGTH,
        );
  let columns: ColumnIndexes | undefined;
  for await (const row of table) {
    if (row.kind === 'header') columns = resolveColumns(mapping, row.names);
    else if (row.kind === 'row') yield readCatalogueRow(row.line, row.fields, columns!, kinds);
    else yield row;
  }
}
