import { jsonArgument, requestJson } from './http-json';
import type { OperationsContext } from './operations.commands';

export const DIVERSION_USAGE = `  diversion rules [<id>] [--versions]
      The 串货 rules in force (a table on stderr, JSON on stdout), one rule, or every version of it with its author.
  diversion set <rule.json | '{…}'> [--id <id>]
      Add a rule, or with --id replace it (a new version), from a file or inline JSON: {"name", "scope"?,
      "check": {"type": "price-floor"|"region"|"volume", …}, "windowMinutes"} (inventory-admin).
  diversion delete <id>
      Retire a rule (a last version marked deleted; its alerts stay) (inventory-admin).
  diversion alerts [--rule <id>] [--sku <sku>] [--channel <c>] [--shop <s>] [--from <iso>] [--to <iso>]
                   [--limit <n>] [--offset <n>]
      DIVERSION_SUSPECTED alerts newest first with their trace: a line each on stderr, JSON on stdout.
`;

export type DiversionCommand =
  | { kind: 'rules'; id?: string; versions: boolean }
  | { kind: 'set'; source: string; id?: string }
  | { kind: 'delete'; id: string }
  | { kind: 'alerts'; query: Record<string, string> };

const RULE_ID = /^[1-9][0-9]{0,15}$/;
const ALERT_FILTERS = ['rule', 'sku', 'channel', 'shop', 'from', 'to', 'limit', 'offset'] as const;

/** Takes `--name value` out of args; undefined when absent, null when it has no value. */
function take(args: string[], name: string): string | undefined | null {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value === undefined || value.startsWith('--') ? null : value;
}

/** `diversion …` as a command, or null for a usage error. The API checks the rule itself (400 naming the field). */
export function parseDiversionCommand(argv: string[]): DiversionCommand | null {
  const [sub, ...rest] = argv;
  const args = [...rest];
  switch (sub) {
    case 'rules': {
      const at = args.indexOf('--versions');
      const versions = at >= 0;
      if (versions) args.splice(at, 1);
      if (args.length > 1 || args.some((a) => a.startsWith('--'))) return null;
      const [id] = args;
      if (id !== undefined && !RULE_ID.test(id)) return null;
      if (versions && id === undefined) return null;
      return { kind: 'rules', versions, ...(id !== undefined ? { id } : {}) };
    }
    case 'set': {
      const id = take(args, '--id');
      if (id === null || (id !== undefined && !RULE_ID.test(id))) return null;
      if (args.length !== 1) return null;
      return { kind: 'set', source: args[0]!, ...(id !== undefined ? { id } : {}) };
    }
    case 'delete':
      return args.length === 1 && RULE_ID.test(args[0]!) ? { kind: 'delete', id: args[0]! } : null;
    case 'alerts': {
      const query: Record<string, string> = {};
      for (const name of ALERT_FILTERS) {
        const value = take(args, `--${name}`);
        if (value === null) return null;
        if (value !== undefined) query[name] = value;
      }
      return args.length === 0 ? { kind: 'alerts', query } : null;
    }
    default:
      return null;
  }
}

interface RuleView {
  id: string;
  version: number;
  name: string;
  check: { type: string };
  floorFen?: number;
  windowMinutes: number;
  updatedBy: string;
}

interface AlertView {
  firstAt: string;
  key: string;
  rule: { id: string; type: string };
  violations: number;
  orders: unknown[];
}

export async function runDiversionCommand(cmd: DiversionCommand, c: OperationsContext): Promise<number> {
  const base = `${c.apiUrl}/v1/diversion`;
  let answer: unknown;
  switch (cmd.kind) {
    case 'rules':
      if (cmd.id === undefined) {
        answer = await requestJson('GET', `${base}/rules`, c.apiKey);
        for (const r of (answer as { items: RuleView[] }).items)
          c.stderr.write(
            `${r.id.padStart(4)}  v${r.version}  ${r.check.type.padEnd(11)} ${String(r.windowMinutes).padStart(5)} min  ${r.name}  (${r.updatedBy})\n`,
          );
      } else
        answer = await requestJson(
          'GET',
          `${base}/rules/${cmd.id}${cmd.versions ? '/versions' : ''}`,
          c.apiKey,
        );
      break;
    case 'set': {
      const body = await jsonArgument(cmd.source);
      if (body === undefined) {
        c.stderr.write('the rule is not valid JSON\n');
        return 2;
      }
      answer = await requestJson(
        cmd.id === undefined ? 'POST' : 'PUT',
        `${base}/rules${cmd.id === undefined ? '' : `/${cmd.id}`}`,
        c.apiKey,
        body,
      );
      const r = answer as RuleView;
      c.stderr.write(`rule ${r.id} version ${r.version}: ${r.name}\n`);
      break;
    }
    case 'delete':
      answer = await requestJson('DELETE', `${base}/rules/${cmd.id}`, c.apiKey);
      c.stderr.write(`rule ${cmd.id} retired\n`);
      break;
    case 'alerts': {
      const query = new URLSearchParams(cmd.query).toString();
      answer = await requestJson('GET', `${base}/alerts${query ? `?${query}` : ''}`, c.apiKey);
      for (const a of (answer as { items: AlertView[] }).items)
        c.stderr.write(
          `${a.firstAt}  ${a.rule.type.padEnd(11)} ${a.key}  ${a.violations} violation(s), ${a.orders.length} order(s) in the trace\n`,
        );
      break;
    }
    default: {
      const never: never = cmd;
      return never;
    }
  }
  c.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  return 0;
}
