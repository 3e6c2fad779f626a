import {
  MAX_REPORT_ROWS,
  REPEAT_PERIODS,
  REPORT_NAMES,
  type RepeatPeriod,
  type ReportName,
} from '@libs/reports';
import { requestJson } from './http-json';
import type { OperationsContext } from './operations.commands';

export const REPORT_USAGE = `  report <${REPORT_NAMES.join('|')}>
         [--from <ISO time>] [--to <ISO time>] [--sku <sku>] [--channel <channel>] [--period day|week|month]
         [--limit <n>] [--csv]
      A report over [from, to) (default: the last 7 days; UTC periods), as JSON on stdout, or CSV with --csv
      (docs/reference/reports.md). Any role may read reports.
`;

export interface ReportCommand {
  name: ReportName;
  from?: string;
  to?: string;
  sku?: string;
  channel?: string;
  period?: RepeatPeriod;
  limit?: number;
  csv: boolean;
}

/** Takes `--name value` out of args; undefined when absent, null when it has no value. */
function take(args: string[], name: string): string | undefined | null {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value === undefined || value.startsWith('--') ? null : value;
}

/**
 * `report <name> [options]` as a command, or null for a usage error (an unknown report or option, a missing
 * value, a limit out of bounds). Times, SKU and channel are checked by the API, which answers 400 naming the field.
 */
export function parseReportCommand(argv: string[]): ReportCommand | null {
  const args = [...argv];
  const name = args.shift();
  if (!(REPORT_NAMES as readonly string[]).includes(name ?? '')) return null;
  const at = args.indexOf('--csv');
  const csv = at >= 0;
  if (csv) args.splice(at, 1);
  const values: Record<string, string | undefined> = {};
  for (const option of ['from', 'to', 'sku', 'channel', 'period', 'limit']) {
    const value = take(args, `--${option}`);
    if (value === null) return null;
    values[option] = value;
  }
  if (args.length > 0) return null;
  if (values.period !== undefined && !(REPEAT_PERIODS as readonly string[]).includes(values.period))
    return null;
  let limit: number | undefined;
  if (values.limit !== undefined) {
    if (!/^\d{1,6}$/.test(values.limit)) return null;
    limit = Number(values.limit);
    if (limit < 1 || limit > MAX_REPORT_ROWS) return null;
  }
  return {
    name: name as ReportName,
    from: values.from,
    to: values.to,
    sku: values.sku,
    channel: values.channel,
    period: values.period as RepeatPeriod | undefined,
    limit,
    csv,
  };
}

/** Runs a report through the API (GET /v1/reports/:name): CSV or JSON on stdout, a one-line summary on stderr. */
export async function runReportCommand(report: ReportCommand, c: OperationsContext): Promise<number> {
  const query = new URLSearchParams();
  for (const key of ['from', 'to', 'sku', 'channel', 'period'] as const) {
    const value = report[key];
    if (value !== undefined) query.set(key, value);
  }
  if (report.limit !== undefined) query.set('limit', String(report.limit));
  const url = `${c.apiUrl}/v1/reports/${report.name}`;
  if (report.csv) {
    query.set('format', 'csv');
    const res = await fetch(`${url}?${query}`, { headers: { authorization: `Bearer ${c.apiKey}` } });
    const text = await res.text();
    if (!res.ok) {
      let code = '';
      let message = text;
      try {
        ({ code, message } = JSON.parse(text) as { code: string; message: string });
      } catch {
        /* not JSON: the text is the message */
      }
      throw new Error(`GET ${url}: ${res.status} ${code} ${message}`.trim());
    }
    c.stdout.write(text);
    if (res.headers.get('x-report-truncated') === 'true')
      c.stderr.write(`${report.name}: cut at the limit; narrow the range or raise --limit\n`);
    return 0;
  }
  const answer = (await requestJson('GET', `${url}?${query}`, c.apiKey)) as {
    from: string;
    to: string;
    rows: unknown[];
    truncated: boolean;
  };
  c.stderr.write(
    `${report.name} ${answer.from} → ${answer.to}: ${answer.rows.length} row(s)` +
      `${answer.truncated ? ', cut at the limit' : ''}\n`,
  );
  c.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  return 0;
}
