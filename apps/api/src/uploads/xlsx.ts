import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpStatus } from '@nestjs/common';
import ExcelJS from 'exceljs';
import * as unzipper from 'unzipper';
import { ApiError } from '../common/api-error';
import { readTable, type TableRecord, type TableRow } from './table';

export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Bounds on a spreadsheet upload, besides the importers' own (rows per import, characters per row). The file is
 * written to disk before it is read (a zip's directory is at its end, and the archive is checked before the
 * workbook is parsed), so its size is bounded; what it unpacks to is bounded too, which is what stops a zip bomb.
 * 1,000,000 card keys of 40 characters make a file of about 40 MB that unpacks to about 120 MB.
 */
export const XLSX_LIMITS = {
  /** Bytes of the .xlsx file as uploaded. */
  maxFileBytes: 100 * 2 ** 20,
  /** Bytes all of its parts unpack to. */
  maxUnpackedBytes: 256 * 2 ** 20,
  /** Parts (files) in the archive. */
  maxEntries: 10_000,
  /** Excel's own last row. */
  maxRowNumber: 1_048_576,
};
export type XlsxLimits = typeof XLSX_LIMITS;

export function invalidXlsx(message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, 'IMPORT.INVALID_XLSX', message);
}

function fileTooLarge(message: string, details: unknown): ApiError {
  return new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, 'IMPORT.FILE_TOO_LARGE', message, details);
}

/** A spreadsheet upload on disk, checked; `dispose` removes it. */
export interface XlsxFile {
  path: string;
  bytes: number;
  dispose(): Promise<void>;
}

/**
 * Writes an .xlsx upload to a private temporary directory (mode 700), at most `maxFileBytes`, then checks the
 * archive (checkXlsxArchive). A larger upload is read to its end without being kept, so that the client gets the
 * 413 rather than a reset connection.
 */
export async function receiveXlsx(
  body: AsyncIterable<Buffer | string>,
  limits: XlsxLimits = XLSX_LIMITS,
): Promise<XlsxFile> {
  const dir = await mkdtemp(join(tmpdir(), 'stocksync-upload-'));
  const path = join(dir, 'upload.xlsx');
  const dispose = () => rm(dir, { recursive: true, force: true });
  let bytes = 0;
  let tooLarge = false;
  const source = body[Symbol.asyncIterator]();
  async function* bounded(): AsyncGenerator<Buffer> {
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      bytes += chunk.length;
      if (bytes > limits.maxFileBytes) {
        tooLarge = true;
        return;
      }
      yield chunk;
    }
  }
  try {
    await pipeline(Readable.from(bounded()), createWriteStream(path, { mode: 0o600 }));
    if (tooLarge) {
      for (;;) if ((await source.next()).done) break;
      throw fileTooLarge(`an .xlsx upload holds at most ${limits.maxFileBytes} bytes; split the file`, {
        limit: limits.maxFileBytes,
      });
    }
    await checkXlsxArchive(path, limits);
    return { path, bytes, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

const WORKSHEET = /^xl\/worksheets\/sheet\d+\.xml$/;

/**
 * Reads every part of the archive the way the workbook reader will (unzipper's streaming parser, the one exceljs
 * uses, over the local headers), unpacking and counting, before exceljs sees it: an encrypted or oddly compressed
 * part, a corrupt or truncated archive, a zip that is not a workbook (no xl/workbook.xml or no worksheet) is
 * IMPORT.INVALID_XLSX; more than `maxUnpackedBytes` unpacked (a zip bomb) or more than `maxEntries` parts is
 * IMPORT.FILE_TOO_LARGE. Nothing is kept: each part is counted as it streams. exceljs copies a worksheet that
 * comes before the shared strings to a temporary file, and keeps the shared strings in memory: both are bounded by
 * this check.
 */
export async function checkXlsxArchive(path: string, limits: XlsxLimits = XLSX_LIMITS): Promise<void> {
  const input = createReadStream(path);
  const zip = unzipper.Parse({ forceStream: true });
  let current: unzipper.Entry | undefined;
  // unzipper reports a broken part on the archive, not on the part's stream, which would then never end.
  zip.on('error', (error: Error) => current?.destroy(error));
  input.on('error', (error) => zip.destroy(error));
  input.pipe(zip);
  // Iterated by hand: leaving a for-await early would destroy the streams with an AbortError of their own.
  const parts = zip[Symbol.asyncIterator]() as AsyncIterator<unzipper.Entry>;
  let entries = 0;
  let unpacked = 0;
  let workbook = false;
  let worksheet = false;
  try {
    for (;;) {
      const next = await parts.next();
      if (next.done) break;
      const entry = (current = next.value);
      entry.on('error', () => undefined);
      entries += 1;
      if (entries > limits.maxEntries) {
        throw fileTooLarge(`the .xlsx archive holds more than ${limits.maxEntries} parts`, {
          limit: limits.maxEntries,
        });
      }
      const vars = entry.vars as unzipper.Entry['vars'] & { flags: number; compressionMethod: number };
      if ((vars.flags & 0x01) !== 0)
        throw invalidXlsx('the workbook is encrypted: save it without a password');
      if (vars.compressionMethod !== 0 && vars.compressionMethod !== 8) {
        throw invalidXlsx(
          `part ${entry.path.slice(0, 100)} uses compression method ${vars.compressionMethod}`,
        );
      }
      if (entry.path === 'xl/workbook.xml') workbook = true;
      if (WORKSHEET.test(entry.path)) worksheet = true;
      const data = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      for (;;) {
        const chunk = await data.next();
        if (chunk.done) break;
        unpacked += chunk.value.length;
        if (unpacked > limits.maxUnpackedBytes) {
          throw fileTooLarge(
            `the .xlsx file unpacks to more than ${limits.maxUnpackedBytes} bytes; split it, or send CSV`,
            { limit: limits.maxUnpackedBytes },
          );
        }
      }
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw invalidXlsx(`the file cannot be read as .xlsx: ${String((error as Error).message).slice(0, 200)}`);
  } finally {
    current?.destroy();
    zip.destroy();
    input.destroy();
  }
  if (!workbook || !worksheet) {
    throw invalidXlsx(
      'the file is a zip archive but not an Excel workbook (.xlsx): no workbook or no worksheet',
    );
  }
}

/** What of exceljs's WorkbookReader this module reaches into (exceljs 4.4.0, pinned). */
interface ReaderInternals {
  model?: { sheets?: { id: number; name: string }[] };
  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Generator<unknown>;
  parse(): AsyncGenerator<{ eventType: string; value: unknown }>;
}

interface WorksheetReaderInternals extends AsyncIterable<ExcelJS.Row> {
  id: number | string;
  name: string;
  iterator?: AsyncIterable<Buffer | string> & { source?: unknown };
}

/** Decodes UTF-8 across chunk boundaries; tagged with its source so that an unread worksheet's file can be closed. */
function utf8Chunks(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> & { source: unknown } {
  async function* decode(): AsyncGenerator<string> {
    const decoder = new TextDecoder('utf-8');
    for await (const chunk of source) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      if (text) yield text;
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  }
  return Object.assign(decode(), { source });
}

/**
 * exceljs 4.4.0 decodes each unzipped chunk of the shared strings and worksheets on its own, so a character whose
 * bytes straddle two chunks (any Chinese text, in a large enough file) comes out as U+FFFD (exceljs issues #2084,
 * #2063, still open). This reader's two part parsers are given text decoded across chunks instead.
 */
function decodeAcrossChunks(reader: ReaderInternals): void {
  const sharedStrings = reader._parseSharedStrings;
  const worksheet = reader._parseWorksheet;
  if (typeof sharedStrings !== 'function' || typeof worksheet !== 'function') {
    throw new Error('exceljs: WorkbookReader internals changed; see decodeAcrossChunks in uploads/xlsx.ts');
  }
  reader._parseSharedStrings = function (entry) {
    entry.setEncoding('utf8');
    return sharedStrings.call(this, entry);
  };
  reader._parseWorksheet = function (iterator, sheetNo) {
    return worksheet.call(this, utf8Chunks(iterator), sheetNo);
  };
}

/** A cell as text: what a CSV export of it would hold (formulas as their last result, rich text joined). */
export function cellText(value: ExcelJS.CellValue | { sharedString: number }): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return value.toISOString();
  if ('richText' in value) return value.richText.map((r) => r.text ?? '').join('');
  if ('formula' in value || 'sharedFormula' in value) {
    return cellText((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
  }
  if ('hyperlink' in value) return cellText(value.text);
  if ('error' in value) return String(value.error);
  return '';
}

function closeUnread(worksheet: WorksheetReaderInternals): void {
  const source = worksheet.iterator?.source as { destroy?: () => void } | undefined;
  if (source && typeof source.destroy === 'function') source.destroy();
}

/**
 * The rows of the workbook's first worksheet (the first tab) as records, read with exceljs's streaming reader, one
 * row at a time, each by its spreadsheet row number. Rows the sheet leaves out are blank records, so that the
 * numbers and blank counts match a CSV export of the sheet; so is a row whose cells are all empty. A row whose
 * cells hold more than `maxRowLength` characters is `line_too_long`, like a CSV record. The file must have passed
 * checkXlsxArchive. When the caller stops early, the rest of the workbook is still run through, so that exceljs
 * removes its temporary copies.
 */
export async function* readXlsxRecords(
  path: string,
  { maxRowLength, maxRowNumber = XLSX_LIMITS.maxRowNumber }: { maxRowLength: number; maxRowNumber?: number },
): AsyncGenerator<TableRecord> {
  const input = createReadStream(path);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  }) as unknown as ReaderInternals;
  decodeAcrossChunks(reader);
  const events = reader.parse();
  let chosen: WorksheetReaderInternals | undefined;
  let finished = false;
  try {
    for (;;) {
      const next = await events.next();
      if (next.done) break;
      if (next.value.eventType !== 'worksheet') continue;
      const worksheet = next.value.value as WorksheetReaderInternals;
      const first = reader.model?.sheets?.[0];
      if (chosen || (first && first.name !== worksheet.name)) {
        closeUnread(worksheet);
        continue;
      }
      chosen = worksheet;
      let last = 0;
      for await (const row of worksheet) {
        const number = Number.isInteger(row.number) ? row.number : last + 1;
        if (number <= last || number > maxRowNumber) {
          throw invalidXlsx(`the first worksheet's row numbers are out of order at row ${number}`);
        }
        for (let blank = last + 1; blank < number; blank++) yield { line: blank, fields: [''] };
        last = number;
        const fields: string[] = [];
        let length = 0;
        row.eachCell({ includeEmpty: false }, (cell, column) => {
          const text = cellText(cell.value as ExcelJS.CellValue);
          fields[column - 1] = text;
          length += text.length + 1;
        });
        if (length > maxRowLength + 1) {
          yield { line: number, error: 'line_too_long' };
          continue;
        }
        for (let i = 0; i < fields.length; i++) fields[i] ??= '';
        yield { line: number, fields: fields.every((f) => f.trim() === '') ? [''] : fields };
      }
    }
    finished = true;
    if (!chosen) throw invalidXlsx('the first worksheet of the workbook was not found');
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw invalidXlsx(`the workbook cannot be read: ${String((error as Error).message).slice(0, 200)}`);
  } finally {
    if (!finished) {
      if (chosen) closeUnread(chosen);
      try {
        for (;;) {
          const next = await events.next();
          if (next.done) break;
          if (next.value.eventType === 'worksheet') closeUnread(next.value.value as WorksheetReaderInternals);
        }
      } catch {
        // The reader failed; what it left in the temporary directory goes with the process (tmp's cleanup).
      }
    }
    input.destroy();
  }
}

/** The first worksheet as a table with a header row (the same rules as a CSV file). */
export function readXlsxTable(path: string, maxRowLength: number): AsyncGenerator<TableRow> {
  return readTable(readXlsxRecords(path, { maxRowLength }), 'xlsx');
}
