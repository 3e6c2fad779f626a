import { requestJson } from './http-json';
import type { OperationsContext } from './operations.commands';

export const REPLENISHMENT_USAGE = `  replenishment [--prefix <sku prefix>] [--low] [--limit <n>] [--offset <n>] [--csv]
      Every counted SKU's sales velocity, days of cover and suggested reorder, lowest cover first (the api's last
      replenishment pass): a table on stderr, JSON on stdout, or CSV on stdout with --csv.
  replenishment <sku>
      One SKU computed now: velocity, weekday factors, cover, reorder, its settings, daily sales and forecast (JSON).
  replenishment <sku> [--lead-time <days|default>] [--safety-stock <units|default>]
      Set the SKU's own lead time and safety stock; "default" returns one to the configured default
      (inventory-admin).
`;

export type ReplenishmentCommand =
  | { kind: 'list'; prefix?: string; low: boolean; limit?: number; offset?: number; csv: boolean }
  | { kind: 'show'; sku: string }
  | {
      kind: 'settings';
      sku: string;
      leadTimeDays?: number | null;
      safetyStockUnits?: number | null;
    };

/** Takes `--name value` out of args; undefined when absent, null when it has no value. */
function take(args: string[], name: string): string | undefined | null {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value === undefined || value.startsWith('--') ? null : value;
}

function flag(args: string[], name: string): boolean {
  const at = args.indexOf(name);
  if (at >= 0) args.splice(at, 1);
  return at >= 0;
}

/** A whole number of at most 13 digits, or `default` (null); undefined for anything else. */
function settingValue(text: string): number | null | undefined {
  if (text === 'default') return null;
  return /^\d{1,13}$/.test(text) ? Number(text) : undefined;
}

/**
 * `replenishment …` as a command, or null for a usage error. Bounds (lead time 1–365 days, safety stock up to 1e12
 * units) are the API's, which answers 400 naming the field.
 */
export function parseReplenishmentCommand(argv: string[]): ReplenishmentCommand | null {
  const args = [...argv];
  const lead = take(args, '--lead-time');
  const safety = take(args, '--safety-stock');
  const prefix = take(args, '--prefix');
  const limit = take(args, '--limit');
  const offset = take(args, '--offset');
  const low = flag(args, '--low');
  const csv = flag(args, '--csv');
  if ([lead, safety, prefix, limit, offset].includes(null)) return null;
  if (args.some((a) => a.startsWith('--')) || args.length > 1) return null;
  const [sku] = args;
  if (sku === undefined) {
    if (lead !== undefined || safety !== undefined) return null;
    const page = (text: string | undefined) =>
      text === undefined ? undefined : /^\d{1,8}$/.test(text) ? Number(text) : NaN;
    const [l, o] = [page(limit ?? undefined), page(offset ?? undefined)];
    if (Number.isNaN(l) || Number.isNaN(o)) return null;
    return { kind: 'list', prefix: prefix ?? undefined, low, limit: l, offset: o, csv };
  }
  if (prefix !== undefined || limit !== undefined || offset !== undefined || low || csv) return null;
  if (lead === undefined && safety === undefined) return { kind: 'show', sku };
  const leadTimeDays = lead === undefined ? undefined : settingValue(lead!);
  const safetyStockUnits = safety === undefined ? undefined : settingValue(safety!);
  if (
    (lead !== undefined && leadTimeDays === undefined) ||
    (safety !== undefined && safetyStockUnits === undefined)
  )
    return null;
  return {
    kind: 'settings',
    sku,
    ...(lead !== undefined ? { leadTimeDays } : {}),
    ...(safety !== undefined ? { safetyStockUnits } : {}),
  };
}

interface ListItem {
  sku: string;
  available: number;
  velocity: number;
  daysOfCover: number | null;
  leadTimeDays: number;
  reorderUnits: number;
  lowCover: boolean;
}

export async function runReplenishmentCommand(
  cmd: ReplenishmentCommand,
  c: OperationsContext,
): Promise<number> {
  const base = `${c.apiUrl}/v1/replenishment`;
  if (cmd.kind === 'list') {
    const query = new URLSearchParams();
    if (cmd.prefix !== undefined) query.set('prefix', cmd.prefix);
    if (cmd.low) query.set('low', 'true');
    if (cmd.limit !== undefined) query.set('limit', String(cmd.limit));
    if (cmd.offset !== undefined) query.set('offset', String(cmd.offset));
    if (cmd.csv) {
      query.set('format', 'csv');
      c.stdout.write(await requestText(`${base}?${query}`, c.apiKey));
      return 0;
    }
    const page = (await requestJson('GET', `${base}${query.size ? `?${query}` : ''}`, c.apiKey)) as {
      items: ListItem[];
      next: number | null;
    };
    c.stderr.write(
      `${'sku'.padEnd(24)} ${'available'.padStart(10)} ${'per day'.padStart(9)} ${'cover (d)'.padStart(9)} ${'lead (d)'.padStart(8)} ${'reorder'.padStart(9)}\n`,
    );
    for (const i of page.items)
      c.stderr.write(
        `${i.sku.padEnd(24)} ${String(i.available).padStart(10)} ${i.velocity.toFixed(2).padStart(9)} ` +
          `${(i.daysOfCover === null ? '-' : i.daysOfCover.toFixed(1)).padStart(9)} ${String(i.leadTimeDays).padStart(8)} ` +
          `${String(i.reorderUnits).padStart(9)}${i.lowCover ? '  LOW' : ''}\n`,
      );
    if (page.next !== null) c.stderr.write(`more: --offset ${page.next}\n`);
    c.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return 0;
  }
  const path = `${base}/${encodeURIComponent(cmd.sku)}`;
  const answer = (
    cmd.kind === 'show'
      ? await requestJson('GET', path, c.apiKey)
      : await requestJson('PUT', `${path}/settings`, c.apiKey, {
          ...(cmd.leadTimeDays !== undefined ? { leadTimeDays: cmd.leadTimeDays } : {}),
          ...(cmd.safetyStockUnits !== undefined ? { safetyStockUnits: cmd.safetyStockUnits } : {}),
        })
  ) as {
    sku: string;
    velocity: number;
    daysOfCover: number | null;
    reorderUnits: number;
    settings: { leadTimeDays: number };
  };
  c.stderr.write(
    `${answer.sku}: ${answer.velocity} a day, ${answer.daysOfCover === null ? 'no' : answer.daysOfCover} days of cover, ` +
      `lead time ${answer.settings.leadTimeDays} days, reorder ${answer.reorderUnits}\n`,
  );
  c.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  return 0;
}

/** A text answer (the CSV export); a non-2xx answer becomes an error carrying the API's code. */
async function requestText(url: string, bearer: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  const text = await res.text();
  if (!res.ok) {
    let code = '';
    try {
      code = (JSON.parse(text) as { code?: string }).code ?? '';
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(`GET ${url}: ${res.status} ${code}`.trim());
  }
  return text;
}
