import { jsonArgument, requestJson } from './http-json';
import type { OperationsContext } from './operations.commands';

export const ORDER_RULES_USAGE = `  order-rules list
      The order rules (订单自动化) in force by position: a table on stderr, JSON on stdout.
  order-rules show <id> [--versions]
      One rule, or every version of it with who changed it (a retired rule's too).
  order-rules set <id> <rule.json | '{…}'>
      Create or replace a rule (a new version; the same rule again changes nothing) from a file or inline JSON:
      {"when": {"skus"|"skuPrefix"|"kinds"|"channels"|"minAmount"|"maxAmount"|"minQuantity"|"maxQuantity"|
      "buyerRefs"|"buyerLevels": …}, "then": {"type": "hold"|"priority"|"route"|"refuse", …}, "position"?,
      "enabled"?, "description"?} (inventory-admin). The SKU owners apply it within ORDER_RULES_REFRESH_MS.
  order-rules delete <id>
      Retire a rule (a last version marked deleted; orders it ruled keep its name) (inventory-admin).
`;

export type OrderRulesCommand =
  | { kind: 'list' }
  | { kind: 'show'; id: string; versions: boolean }
  | { kind: 'set'; id: string; source: string }
  | { kind: 'delete'; id: string };

/** The API's rule id: what `PUT /v1/order-rules/:ruleId` accepts. */
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** `order-rules …` as a command, or null for a usage error. The API checks the rule itself (400 naming the field). */
export function parseOrderRulesCommand(argv: string[]): OrderRulesCommand | null {
  const [sub, ...args] = argv;
  const id = args[0];
  switch (sub) {
    case 'list':
      return args.length === 0 ? { kind: 'list' } : null;
    case 'show': {
      const versions = args[1] === '--versions';
      if (id === undefined || !RULE_ID.test(id) || args.length !== (versions ? 2 : 1)) return null;
      return { kind: 'show', id, versions };
    }
    case 'set':
      return args.length === 2 && RULE_ID.test(id!) ? { kind: 'set', id: id!, source: args[1]! } : null;
    case 'delete':
      return args.length === 1 && RULE_ID.test(id!) ? { kind: 'delete', id: id! } : null;
    default:
      return null;
  }
}

interface RuleView {
  ruleId: string;
  version: number;
  position: number;
  enabled: boolean;
  then: { type: string; supplierId?: string; code?: string; priority?: number };
  updatedBy: string;
}

/** What the rule does, in a few words: `route up-b`, `refuse BLOCKED_BUYER`, `priority 5`, `hold`. */
function actionText(then: RuleView['then']): string {
  return [then.type, then.supplierId ?? then.code ?? then.priority].filter((x) => x !== undefined).join(' ');
}

export async function runOrderRulesCommand(cmd: OrderRulesCommand, c: OperationsContext): Promise<number> {
  const base = `${c.apiUrl}/v1/order-rules`;
  let answer: unknown;
  switch (cmd.kind) {
    case 'list':
      answer = await requestJson('GET', base, c.apiKey);
      for (const r of (answer as { items: RuleView[] }).items)
        c.stderr.write(
          `${String(r.position).padStart(5)}  ${r.ruleId.padEnd(24)} v${String(r.version).padEnd(3)} ${(r.enabled ? '' : '(disabled) ') + actionText(r.then)}  (${r.updatedBy})\n`,
        );
      break;
    case 'show':
      answer = await requestJson(
        'GET',
        `${base}/${encodeURIComponent(cmd.id)}${cmd.versions ? '/versions' : ''}`,
        c.apiKey,
      );
      break;
    case 'set': {
      const body = await jsonArgument(cmd.source);
      if (body === undefined) {
        c.stderr.write('the rule is not valid JSON\n');
        return 2;
      }
      answer = await requestJson('PUT', `${base}/${encodeURIComponent(cmd.id)}`, c.apiKey, body);
      const r = answer as RuleView;
      c.stderr.write(`order rule ${r.ruleId} version ${r.version}: ${actionText(r.then)}\n`);
      break;
    }
    case 'delete':
      answer = await requestJson('DELETE', `${base}/${encodeURIComponent(cmd.id)}`, c.apiKey);
      c.stderr.write(`order rule ${cmd.id} retired\n`);
      break;
    default: {
      const never: never = cmd;
      return never;
    }
  }
  c.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  return 0;
}
