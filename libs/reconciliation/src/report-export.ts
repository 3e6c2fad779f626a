import type { Queryable } from '@libs/database';

const COLUMNS = ['channel', 'sku', 'class', 'listed', 'target', 'target_version', 'action', 'note'] as const;
type ItemRow = Record<(typeof COLUMNS)[number], unknown>;

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

/** Reconciliation items as CSV: a header, then one CRLF-terminated line per item. */
export function itemsToCsv(rows: readonly ItemRow[]): string {
  return (
    [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n'
  );
}

/** A run's items as CSV (RFC 4180 quoting, formulas neutralised) or a JSON array, for analysts' tools. */
export async function exportRun(db: Queryable, runId: number, format: 'csv' | 'json'): Promise<string> {
  const { rows } = await db.query<ItemRow>(
    `SELECT ${COLUMNS.join(', ')} FROM reconciliation_items WHERE run_id = $1 ORDER BY channel, sku, class`,
    [runId],
  );
  if (format === 'json')
    return JSON.stringify(
      rows.map((r) => ({
        ...r,
        target_version: r.target_version === null ? null : Number(r.target_version),
      })),
    );
  return itemsToCsv(rows);
}
