import { type CsvError, type Info, parse, type Parser } from 'csv-parse';
import type { Line } from './line-reader';
import { readTable, type TableRecord, type TableRow } from './table';

export { columnIndex } from './table';
export type CsvRecord = TableRecord;
export type CsvTableRow = TableRow;

/**
 * One csv-parse instance over a run of physical lines (RFC 4180: quoted fields, `""` escapes, a quoted field
 * spanning lines, rows of any length). It is fed one line at a time, synchronously: csv-parse's streaming parser
 * pushes each record (and calls on_skip for each error) inside `write`, and may hold a record back until the next
 * line, as it looks one or two characters ahead.
 */
class LineFedParser {
  private readonly parser: Parser;
  private readonly errors: CsvError[] = [];

  /** `base`: the file's line number before the first line this parser is fed. */
  constructor(readonly base: number) {
    this.parser = parse({
      // A data row may be shorter or longer than the header: the importer reports what is missing.
      relax_column_count: true,
      // Blank lines are records of one empty field: the report counts them.
      skip_empty_lines: false,
      // Lines come without their endings; we put back one LF each (the line reader took CR, LF and CRLF).
      record_delimiter: '\n',
      info: true,
      // An error is handed to on_skip instead of ending the stream; the caller then starts a new parser.
      skip_records_with_error: true,
      on_skip: (error) => {
        if (error) this.errors.push(error);
        return undefined;
      },
    });
    // on_skip receives every error; this keeps an error the stream might still emit from going unhandled.
    this.parser.on('error', () => undefined);
  }

  /** Feeds one line; answers the records completed and the first error met, with their file line numbers. */
  feed(text: string): { records: { fields: string[]; endLine: number }[]; errorLine?: number } {
    this.parser.write(`${text}\n`);
    return this.take();
  }

  /** No more lines: the record left open, if any, is either completed or reported (an unclosed quote). */
  end(): { records: { fields: string[]; endLine: number }[]; errorLine?: number } {
    this.parser.end();
    return this.take();
  }

  private take(): { records: { fields: string[]; endLine: number }[]; errorLine?: number } {
    const records: { fields: string[]; endLine: number }[] = [];
    let item: { record: string[]; info: Info } | null;
    while ((item = this.parser.read() as { record: string[]; info: Info } | null) !== null) {
      records.push({ fields: item.record, endLine: this.base + item.info.lines });
    }
    const error = this.errors.shift();
    this.errors.length = 0;
    return error ? { records, errorLine: this.base + Number(error.lines ?? 0) } : { records };
  }
}

/**
 * The CSV records of a stream of physical lines (the line reader has decoded the charset, dropped a BOM and bounded
 * each line), parsed by csv-parse. Each record is reported by the line it starts on. A record never grows past
 * `maxRecordLength`: an unterminated quote is reported once (`line_too_long`) and parsing resumes at the next line;
 * a record csv-parse refuses (a quote inside a bare field, text after a closing quote, a quote never closed) is
 * `malformed_csv` and parsing resumes on the line after the one where the error was found. A line the reader flagged
 * (too long, not in the charset) is reported as such, and ends any record open before it as `malformed_csv`.
 * Blank lines outside a quoted field are yielded as records with one empty field.
 */
export async function* readCsvRecords(
  lines: AsyncIterable<Line>,
  maxRecordLength = 16_384,
): AsyncGenerator<CsvRecord> {
  let parser = new LineFedParser(0);
  /** Where the next record starts. */
  let start = 1;
  /** The lines fed since the last record ended: the open record, and what may have to be fed again. */
  let open: Line[] = [];
  let openLength = 0;

  const restartAfter = (line: number) => {
    parser = new LineFedParser(line);
    start = line + 1;
  };

  /** Yields what the parser completed; on an error, restarts after the failing line and feeds the rest again. */
  function* settle(result: ReturnType<LineFedParser['feed']>): Generator<CsvRecord> {
    const { errorLine } = result;
    for (const record of result.records) {
      // After an error csv-parse goes on in whatever state the bad record left it: what follows is read again.
      if (errorLine !== undefined && record.endLine >= errorLine) break;
      yield { line: start, fields: record.fields };
      start = record.endLine + 1;
      open = open.filter((l) => l.number > record.endLine);
      openLength = lengthOf(open);
    }
    if (errorLine === undefined) return;
    yield { line: start, error: 'malformed_csv' };
    const again = open.filter((l) => l.number > errorLine);
    restartAfter(errorLine);
    open = [];
    openLength = 0;
    for (const line of again) yield* feed(line);
  }

  function* feed(line: Line): Generator<CsvRecord> {
    open.push(line);
    openLength += (open.length > 1 ? 1 : 0) + line.text.length;
    if (openLength > maxRecordLength) {
      // Only an open quoted field gets here (each line is bounded by the reader): report it, go on after it.
      yield { line: start, error: 'line_too_long' };
      restartAfter(line.number);
      open = [];
      openLength = 0;
      return;
    }
    yield* settle(parser.feed(line.text));
  }

  for await (const line of lines) {
    if (line.tooLong || line.badEncoding) {
      yield* settle(parser.end());
      if (open.length > 0) yield { line: start, error: 'malformed_csv' };
      yield { line: line.number, error: line.tooLong ? 'line_too_long' : 'invalid_encoding' };
      restartAfter(line.number);
      open = [];
      openLength = 0;
      continue;
    }
    yield* feed(line);
  }
  yield* settle(parser.end());
}

function lengthOf(lines: Line[]): number {
  return lines.reduce((n, l, i) => n + l.text.length + (i > 0 ? 1 : 0), 0);
}

/**
 * A CSV file with a header: the first record that is not blank. Yields the header (names trimmed) once, then
 * every data row, blank line and unreadable record. A header that cannot be read, or none at all, fails the
 * whole file (IMPORT.INVALID_HEADER) before any data row is seen.
 */
export function readCsvTable(
  lines: AsyncIterable<Line>,
  maxRecordLength?: number,
): AsyncGenerator<CsvTableRow> {
  return readTable(readCsvRecords(lines, maxRecordLength), 'CSV');
}
