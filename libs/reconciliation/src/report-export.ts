import type { Queryable } from '@libs/database';

const COLUMNS = ['channel', 'sku', 'class', 'listed', 'target', 'target_version', 'action', 'note'] as const;

/** A run's items as CSV (RFC 4180 quoting) or JSON lines-free array, for analysts' tools. */
export async function exportRun(db: Queryable, runId: number, format: 'csv' | 'json'): Promise<string> {
  const { rows } = await db.query<Record<(typeof COLUMNS)[number], unknown>>(
    `SELECT ${COLUMNS.join(', ')} FROM reconciliation_items WHERE run_id = $1 ORDER BY channel, sku, class`,
    [runId],
  );
  if (format === 'json') return JSON.stringify(rows.map((r) => ({ ...r, target_version: r.target_version === null ? null : Number(r.target_version) })));
  const quote = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => quote(r[c])).join(','))].join('\r\n') + '\r\n';
}
