import { toCsv } from '@libs/csv';
import * as ExcelJS from 'exceljs';
import { XLSX_MEDIA_TYPE } from './xlsx';

export const TEMPLATE_FORMATS = ['xlsx', 'csv'] as const;
export type TemplateFormat = (typeof TEMPLATE_FORMATS)[number];

/** The file an import kind offers to fill in: its header row and one example row. */
export interface ImportTemplate {
  /** The file name without its extension, and the worksheet's name. */
  name: string;
  columns: readonly string[];
  example: readonly string[];
}

export interface TemplateFile {
  body: Buffer;
  contentType: string;
  filename: string;
}

/**
 * The template as a file. CSV: UTF-8 with a byte-order mark (so that Excel opens Chinese text as such), CRLF,
 * cells written by @libs/csv. xlsx: one worksheet, every column formatted as text, so that a key of digits keeps its
 * leading zeros and is not turned into a number.
 */
export async function templateFile(template: ImportTemplate, format: TemplateFormat): Promise<TemplateFile> {
  if (format === 'csv') {
    const row = Object.fromEntries(template.columns.map((c, i) => [c, template.example[i] ?? '']));
    return {
      body: Buffer.from(`\uFEFF${toCsv(template.columns, [row])}`),
      contentType: 'text/csv; charset=utf-8',
      filename: `${template.name}.csv`,
    };
  }
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(template.name);
  sheet.columns = template.columns.map((c) => ({ header: c, key: c, width: 28, style: { numFmt: '@' } }));
  sheet.getRow(1).font = { bold: true };
  sheet.addRow([...template.example]);
  return {
    body: Buffer.from(await workbook.xlsx.writeBuffer()),
    contentType: XLSX_MEDIA_TYPE,
    filename: `${template.name}.xlsx`,
  };
}
