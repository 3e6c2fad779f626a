import { requestJson } from './http-json';
import type { OperationsContext } from './operations.commands';

/** The usage lines main.ts prints for `supply`. */
export const SUPPLY_USAGE = `  supply set <sku> <supplier>:<product> [<supplier>:<product> ...] [--buffer <n>]
      A supplier SKU's suppliers in priority order (the whole list; inventory-admin); --buffer: units never offered.
  supply show <sku>
      A SKU's suppliers in priority order, with what each last reported (stock, price in fen, on sale).
`;

export type SupplyInvocation =
  | {
      command: 'set';
      sku: string;
      suppliers: { supplierId: string; productId: string }[];
      safetyBuffer?: number;
    }
  | { command: 'show'; sku: string };

/** `supply <sub> ...` read into an invocation; undefined for a usage error. */
export function parseSupplyCommand(argv: readonly string[]): SupplyInvocation | undefined {
  const args = [...argv];
  let safetyBuffer: number | undefined;
  const at = args.indexOf('--buffer');
  if (at >= 0) {
    const value = args[at + 1];
    if (value === undefined || !/^\d{1,13}$/.test(value)) return undefined;
    safetyBuffer = Number(value);
    args.splice(at, 2);
  }
  if (args.some((a) => a.startsWith('--'))) return undefined;
  const [sub, sku, ...rest] = args;
  if (!sku) return undefined;
  if (sub === 'show')
    return rest.length === 0 && safetyBuffer === undefined ? { command: 'show', sku } : undefined;
  if (sub !== 'set' || rest.length === 0) return undefined;
  const suppliers: { supplierId: string; productId: string }[] = [];
  for (const pair of rest) {
    // Supplier ids hold no colon; a product id may.
    const colon = pair.indexOf(':');
    if (colon <= 0 || colon === pair.length - 1) return undefined;
    suppliers.push({ supplierId: pair.slice(0, colon), productId: pair.slice(colon + 1) });
  }
  return { command: 'set', sku, suppliers, ...(safetyBuffer === undefined ? {} : { safetyBuffer }) };
}

interface SuppliersBody {
  sku: string;
  suppliers: {
    supplierId: string;
    productId: string;
    priority: number;
    stock: number | null;
    onSale: boolean;
    supplyPrice: number | null;
    observedAt: string | null;
  }[];
}

/** Runs a supply command through the operations API: lines on stderr, the answer as JSON on stdout. */
export async function runSupplyCommand(s: SupplyInvocation, c: OperationsContext): Promise<number> {
  const path = `${c.apiUrl}/v1/skus/${encodeURIComponent(s.sku)}/suppliers`;
  if (s.command === 'set') {
    const body = {
      suppliers: s.suppliers,
      ...(s.safetyBuffer === undefined ? {} : { safetyBuffer: s.safetyBuffer }),
    };
    const outcome = (await requestJson('PUT', path, c.apiKey, body)) as { changed: boolean; version: number };
    c.stderr.write(
      outcome.changed
        ? `${s.sku} now resells ${s.suppliers.map((l) => `${l.supplierId}:${l.productId}`).join(', ')}\n`
        : `${s.sku} already had these suppliers: nothing changed\n`,
    );
    c.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
    return 0;
  }
  const view = (await requestJson('GET', path, c.apiKey)) as SuppliersBody;
  if (view.suppliers.length === 0) c.stderr.write(`${view.sku} names no supplier\n`);
  for (const l of view.suppliers) {
    const report =
      l.observedAt === null
        ? 'not reported yet'
        : `stock ${l.stock ?? 'unlimited'}, ${l.supplyPrice ?? '?'} fen, ${l.onSale ? 'on sale' : 'off sale'}, at ${l.observedAt}`;
    c.stderr.write(`${l.priority}  ${l.supplierId}:${l.productId}  ${report}\n`);
  }
  c.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  return 0;
}
