import { requestJson } from './http-json';
import type { OperationsContext } from './operations.commands';

/** The usage lines main.ts prints for `catalogue`. */
export const CATALOGUE_SYNC_USAGE = `  catalogue sync <supplier> [--prefix <sku prefix>] [--buffer <n>] [--apply] [--rows <product,product,...>]
      主站 → 分站: preview the supplier's catalogue against StockSync (new, changed with old → new, gone upstream,
      invalid with a reason; unchanged rows are counted, not listed); --apply applies it at once (--rows: only
      those products). Applying is idempotent by sync id.
  catalogue show <sync id> [--status <new|changed|unchanged|gone|invalid>]
      A stored sync's counts and rows.
  catalogue apply <sync id> [--rows <product,product,...>]
      Apply a previewed sync: its new and changed rows, or only the products named.
`;

export type CatalogueInvocation =
  | { command: 'sync'; supplierId: string; prefix?: string; buffer?: number; apply: boolean; rows?: string[] }
  | { command: 'show'; syncId: string; status?: string }
  | { command: 'apply'; syncId: string; rows?: string[] };

const OPTIONS = ['--prefix', '--buffer', '--rows', '--status'];

/** `catalogue <sub> ...` read into an invocation; undefined for a usage error. */
export function parseCatalogueCommand(argv: readonly string[]): CatalogueInvocation | undefined {
  const positional: string[] = [];
  const options = new Map<string, string>();
  let apply = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--apply') {
      apply = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const value = argv[i + 1];
    if (!OPTIONS.includes(arg) || value === undefined || options.has(arg)) return undefined;
    options.set(arg, value);
    i++;
  }
  const allowed = (...names: string[]) => [...options.keys()].every((k) => names.includes(k));
  const rowsOption = options.get('--rows');
  const rows = rowsOption?.split(',').map((r) => r.trim());
  if (rows && rows.some((r) => r === '')) return undefined;
  const [sub, id, ...rest] = positional;
  if (!id || rest.length > 0) return undefined;
  switch (sub) {
    case 'sync': {
      if (!allowed('--prefix', '--buffer', '--rows') || (rows && !apply)) return undefined;
      const buffer = options.get('--buffer');
      if (buffer !== undefined && !/^\d{1,13}$/.test(buffer)) return undefined;
      return {
        command: 'sync',
        supplierId: id,
        apply,
        ...(options.has('--prefix') ? { prefix: options.get('--prefix') } : {}),
        ...(buffer === undefined ? {} : { buffer: Number(buffer) }),
        ...(rows ? { rows } : {}),
      };
    }
    case 'show':
      if (apply || !allowed('--status')) return undefined;
      return {
        command: 'show',
        syncId: id,
        ...(options.has('--status') ? { status: options.get('--status') } : {}),
      };
    case 'apply':
      if (apply || !allowed('--rows')) return undefined;
      return { command: 'apply', syncId: id, ...(rows ? { rows } : {}) };
    default:
      return undefined;
  }
}

interface SyncRow {
  productId: string;
  sku: string | null;
  status: string;
  product?: { name: string; supplyPrice: number; stock: number | null; status: string };
  changes?: { field: string; old: unknown; new: unknown }[];
  reason?: string;
  detail?: string;
  last?: { supplyPrice: number | null; stock: number | null; status: string | null };
}

interface SyncPage {
  syncId: string;
  supplierId: string;
  products: number;
  counts: Record<string, number>;
  rows: SyncRow[];
  nextCursor: string | null;
}

interface ApplyReport {
  syncId: string;
  counts: Record<string, number>;
  rows: { productId: string; sku: string | null; status: string; result: string; reason?: string }[];
  skipped: { productId: string; status: string }[];
  gone: { count: number; note: string };
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : String(v));

/** One line's detail: what a new row brings, what changed (old → new), why a row is invalid, what a gone one had. */
export function describeRow(row: SyncRow): string {
  switch (row.status) {
    case 'new':
      return row.product
        ? `${row.product.name}; ${row.product.supplyPrice} fen; stock ${show(row.product.stock ?? 'unlimited')}; ${row.product.status}`
        : '';
    case 'changed':
      return (row.changes ?? []).map((c) => `${c.field} ${show(c.old)} → ${show(c.new)}`).join('; ');
    case 'invalid':
      return `${row.reason ?? ''}${row.detail ? ` (${row.detail})` : ''}`;
    case 'gone':
      return `no longer in the catalogue; last ${show(row.last?.supplyPrice)} fen, stock ${show(row.last?.stock)}`;
    default:
      return '';
  }
}

function countsLine(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

function printRows(rows: readonly SyncRow[], c: OperationsContext, status?: string): void {
  for (const row of rows) {
    if (row.status === 'unchanged' && status !== 'unchanged') continue;
    c.stderr.write(`${row.status.padEnd(9)} ${row.productId}  ${row.sku ?? '—'}  ${describeRow(row)}\n`);
  }
}

/** Prints every row of a sync (page by page), unchanged ones only when asked for, then the counts. */
async function printSync(first: SyncPage, c: OperationsContext, status?: string): Promise<void> {
  c.stderr.write(`sync ${first.syncId} of ${first.supplierId}: ${first.products} products\n`);
  let page = first;
  printRows(page.rows, c, status);
  while (page.nextCursor !== null) {
    const query = new URLSearchParams({ cursor: page.nextCursor, limit: '1000' });
    if (status) query.set('status', status);
    page = (await requestJson(
      'GET',
      `${c.apiUrl}/v1/catalogue/syncs/${encodeURIComponent(first.syncId)}?${query}`,
      c.apiKey,
    )) as SyncPage;
    printRows(page.rows, c, status);
  }
  c.stderr.write(`${countsLine(first.counts)}\n`);
}

async function applySync(
  syncId: string,
  rows: string[] | undefined,
  c: OperationsContext,
): Promise<ApplyReport> {
  const report = (await requestJson(
    'POST',
    `${c.apiUrl}/v1/catalogue/syncs/${encodeURIComponent(syncId)}/apply`,
    c.apiKey,
    rows ? { rows } : {},
  )) as ApplyReport;
  for (const r of report.rows) {
    if (r.result !== 'applied') c.stderr.write(`${r.result.padEnd(15)} ${r.productId}  ${r.reason ?? ''}\n`);
  }
  for (const s of report.skipped) c.stderr.write(`skipped (${s.status}) ${s.productId}\n`);
  c.stderr.write(`applied: ${countsLine(report.counts)}\n`);
  if (report.gone.count > 0) c.stderr.write(`${report.gone.count} gone: ${report.gone.note}\n`);
  return report;
}

/** Runs a catalogue command through the operations API: the table and counts on stderr, the answer as JSON on stdout. */
export async function runCatalogueCommand(t: CatalogueInvocation, c: OperationsContext): Promise<number> {
  switch (t.command) {
    case 'sync': {
      const mapping = t.prefix === undefined ? {} : { mapping: { skuPrefix: t.prefix } };
      const preview = (await requestJson('POST', `${c.apiUrl}/v1/catalogue/syncs`, c.apiKey, {
        supplierId: t.supplierId,
        ...mapping,
        ...(t.buffer === undefined ? {} : { safetyBuffer: t.buffer }),
      })) as SyncPage;
      await printSync(preview, c);
      if (!t.apply) {
        c.stderr.write(`apply with: stocksync catalogue apply ${preview.syncId} [--rows <product,...>]\n`);
        const { rows: _rows, nextCursor: _next, ...summary } = preview;
        c.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return 0;
      }
      c.stdout.write(`${JSON.stringify(await applySync(preview.syncId, t.rows, c), null, 2)}\n`);
      return 0;
    }
    case 'show': {
      const query = new URLSearchParams({ limit: '1000' });
      if (t.status) query.set('status', t.status);
      const page = (await requestJson(
        'GET',
        `${c.apiUrl}/v1/catalogue/syncs/${encodeURIComponent(t.syncId)}?${query}`,
        c.apiKey,
      )) as SyncPage;
      await printSync(page, c, t.status);
      const { rows: _rows, nextCursor: _next, ...summary } = page;
      c.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    }
    case 'apply':
      c.stdout.write(`${JSON.stringify(await applySync(t.syncId, t.rows, c), null, 2)}\n`);
      return 0;
    default: {
      const never: never = t;
      return never;
    }
  }
}
