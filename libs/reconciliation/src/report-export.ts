import { toCsv } from '@libs/csv';
import type { Queryable } from '@libs/database';

const COLUMNS = ['channel', 'sku', 'class', 'listed', 'target', 'target_version', 'action', 'note'] as const;
type ItemRow = Record<(typeof COLUMNS)[number], unknown>;

/** Reconciliation items as CSV: a header, then one CRLF-terminated line per item. */
export function itemsToCsv(rows: readonly ItemRow[]): string {
  return toCsv(COLUMNS, rows);
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
