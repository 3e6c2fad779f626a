/** A plain number: a spreadsheet reads it as a number, never as a formula, so it is left as it is. */
const NUMBER = /^-?\d+(\.\d+)?$/;
/** What makes Excel, LibreOffice or Sheets read a cell as a formula (or, for tab and CR, hide the sign that does). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: RFC 4180 quoting, and a cell that a spreadsheet would run as a formula (SKUs and notes come from
 * platform listings and 分站 operators) is prefixed with `'`, which spreadsheets read as "this is text".
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s) && !NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV: a header of the given columns, then one CRLF-terminated line per row. */
export function toCsv<C extends string>(columns: readonly C[], rows: readonly Record<C, unknown>[]): string {
  return (
    [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n'
  );
}
