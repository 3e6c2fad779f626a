import { requestJson } from './http-json';
import type { OperationsContext } from './operations.commands';

/** The usage lines main.ts prints for `ticket`. */
export const TICKET_USAGE = `  ticket open <channel> <order id> --reason <CODE> --summary <text> [--sku <sku>]
      Open an after-sales ticket on an order (order-operator, inventory-admin).
  ticket list [--state <state>] [--older-than <minutes>] [--channel <channel>] [--limit <n>] [--cursor <c>]
      Tickets oldest first, by state (open, waiting-buyer, waiting-platform, resolved, rejected) and age.
  ticket show <id>
      One ticket with every step: opened, moves, notes and linked actions, with who and when.
  ticket move <id> <state> [--note <text>]
      Move a ticket; resolved and rejected need --note (a platform's case is answered with it).
  ticket link <id> <void-and-replace|refund|redeliver|redeem|note> <ref> [--note <text>]
      Record an action taken for the ticket (the unit id, refund or command id it refers to).
`;

export type TicketInvocation =
  | {
      command: 'open';
      channel: string;
      channelOrderId: string;
      reason: string;
      summary: string;
      sku?: string;
    }
  | {
      command: 'list';
      state?: string;
      olderThanMinutes?: string;
      channel?: string;
      limit?: string;
      cursor?: string;
    }
  | { command: 'show'; id: string }
  | { command: 'move'; id: string; to: string; note?: string }
  | { command: 'link'; id: string; kind: string; ref: string; note?: string };

const OPTIONS = [
  '--reason',
  '--summary',
  '--sku',
  '--state',
  '--older-than',
  '--channel',
  '--limit',
  '--cursor',
  '--note',
];

/** `ticket <sub> ...` read into an invocation; undefined for a usage error (unknown option, missing argument). */
export function parseTicketCommand(argv: readonly string[]): TicketInvocation | undefined {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
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
  const [sub, ...rest] = positional;
  switch (sub) {
    case 'open': {
      const reason = options.get('--reason');
      const summary = options.get('--summary');
      if (rest.length !== 2 || !reason || !summary || !allowed('--reason', '--summary', '--sku'))
        return undefined;
      return {
        command: 'open',
        channel: rest[0],
        channelOrderId: rest[1],
        reason,
        summary,
        sku: options.get('--sku'),
      };
    }
    case 'list':
      if (rest.length !== 0 || !allowed('--state', '--older-than', '--channel', '--limit', '--cursor'))
        return undefined;
      return {
        command: 'list',
        state: options.get('--state'),
        olderThanMinutes: options.get('--older-than'),
        channel: options.get('--channel'),
        limit: options.get('--limit'),
        cursor: options.get('--cursor'),
      };
    case 'show':
      return rest.length === 1 && allowed() ? { command: 'show', id: rest[0] } : undefined;
    case 'move':
      return rest.length === 2 && allowed('--note')
        ? { command: 'move', id: rest[0], to: rest[1], note: options.get('--note') }
        : undefined;
    case 'link':
      return rest.length === 3 && allowed('--note')
        ? { command: 'link', id: rest[0], kind: rest[1], ref: rest[2], note: options.get('--note') }
        : undefined;
    default:
      return undefined;
  }
}

interface TicketBody {
  id: string;
  channel: string;
  channelOrderId: string;
  state: string;
  reason: string;
  source: string;
  openedBy: string;
  openedAt: string;
  summary: string;
  resolution: string | null;
  events?: {
    at: string;
    type: string;
    to: string | null;
    action: { kind: string; ref: string } | null;
    actor: string;
    note: string | null;
  }[];
}

/** Runs a ticket command through the operations API: a line per ticket or step on stderr, the answer as JSON on stdout. */
export async function runTicketCommand(t: TicketInvocation, c: OperationsContext): Promise<number> {
  const id = (value: string) => encodeURIComponent(value);
  switch (t.command) {
    case 'open': {
      const body = (await send(c, 'POST', `/v1/orders/${id(t.channel)}/${id(t.channelOrderId)}/tickets`, {
        reason: t.reason,
        summary: t.summary,
        ...(t.sku ? { sku: t.sku } : {}),
      })) as TicketBody;
      c.stderr.write(`opened ticket ${body.id} on ${body.channel} order ${body.channelOrderId}\n`);
      c.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return 0;
    }
    case 'list': {
      const query = new URLSearchParams();
      if (t.state) query.set('state', t.state);
      if (t.olderThanMinutes) query.set('olderThanMinutes', t.olderThanMinutes);
      if (t.channel) query.set('channel', t.channel);
      if (t.limit) query.set('limit', t.limit);
      if (t.cursor) query.set('cursor', t.cursor);
      const page = (await send(c, 'GET', `/v1/tickets?${query}`)) as {
        items: TicketBody[];
        nextCursor: string | null;
      };
      if (page.items.length === 0) c.stderr.write('no ticket matches\n');
      for (const k of page.items) {
        c.stderr.write(
          `${k.openedAt}  ${k.id}  ${k.state.padEnd(16)} ${k.channel}/${k.channelOrderId}  ${k.reason}  (${k.source}, ${k.openedBy})\n`,
        );
      }
      if (page.nextCursor) c.stderr.write(`more: --cursor ${page.nextCursor}\n`);
      c.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return 0;
    }
    case 'show': {
      const body = (await send(c, 'GET', `/v1/tickets/${id(t.id)}`)) as TicketBody;
      printSteps(body, c);
      c.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return 0;
    }
    case 'move':
    case 'link': {
      const event =
        t.command === 'move'
          ? { to: t.to, ...(t.note !== undefined ? { note: t.note } : {}) }
          : { action: { kind: t.kind, ref: t.ref }, ...(t.note !== undefined ? { note: t.note } : {}) };
      const body = (await send(c, 'POST', `/v1/tickets/${id(t.id)}/events`, event)) as TicketBody;
      c.stderr.write(`ticket ${body.id} is ${body.state}\n`);
      c.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return 0;
    }
    default: {
      const never: never = t;
      return never;
    }
  }
}

function printSteps(body: TicketBody, c: OperationsContext): void {
  c.stderr.write(
    `${body.id}  ${body.state}  ${body.channel}/${body.channelOrderId}  ${body.reason}: ${body.summary}\n`,
  );
  for (const e of body.events ?? []) {
    const what = e.action ? `${e.action.kind} ${e.action.ref}` : `${e.type} → ${e.to}`;
    c.stderr.write(`  ${e.at}  ${e.actor}  ${what}${e.note ? `  "${e.note}"` : ''}\n`);
  }
}

/** One JSON request to the operations API with the operator's key; a refusal becomes an error with its code. */
function send(c: OperationsContext, method: string, path: string, body?: unknown): Promise<unknown> {
  return requestJson(method, `${c.apiUrl}${path}`, c.apiKey, body);
}
