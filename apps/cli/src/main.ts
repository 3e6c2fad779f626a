import { CATALOGUE_SYNC_USAGE, parseCatalogueCommand, runCatalogueCommand } from './catalogue-sync.command';
import { listDeadLetters, replayDeadLetter } from './dead-letters.commands';
import { DIVERSION_USAGE, parseDiversionCommand, runDiversionCommand } from './diversion.command';
import {
  downloadTemplate,
  importCardKeys,
  importCatalogue,
  TEMPLATE_KINDS,
  type TemplateKind,
} from './import-card-keys.command';
import { initCommand } from './init.command';
import { rebuildProjections, reconcileNow, showSku } from './operations.commands';
import { ORDER_ACTIONS, type OrderAction, runKeyAction, runOrderAction, showOrder } from './order.command';
import { ORDER_RULES_USAGE, parseOrderRulesCommand, runOrderRulesCommand } from './order-rules.command';
import { listQuarantine, retryQuarantine } from './projection-quarantine.commands';
import { parseReportCommand, REPORT_USAGE, runReportCommand } from './report.command';
import {
  parseReplenishmentCommand,
  REPLENISHMENT_USAGE,
  runReplenishmentCommand,
} from './replenishment.command';
import { parseSupplyCommand, runSupplyCommand, SUPPLY_USAGE } from './supply.commands';
import { parseTicketCommand, runTicketCommand, TICKET_USAGE } from './ticket.commands';
import { positiveInt, rotateVault } from './vault.commands';

const USAGE = `usage: stocksync <command>

commands:
  init [--force] [--file <path>]
      Write a .env for docker-compose.yml with fresh random secrets (vault keys, fingerprint key, admin API key,
      webhook secrets, service token), mode 0600; refuses to overwrite an existing file unless --force.
  import-card-keys <sku> <file> [--batch-id <id>] [--column <name>] [--dry-run]
      Upload a TXT (one key per line), .csv or .xlsx file of card keys; progress on stderr, report on stdout.
      --dry-run previews: the same report, nothing imported.
  import-catalogue <file> --mapping <field=column,...> [--stock-kind-values <v=kind,...>] [--batch-id <id>] [--dry-run]
      Upload a .csv or .xlsx catalogue (分站 上货): new SKUs registered, settings changed; report on stdout.
  import-template <card-keys|catalogue> [--format xlsx|csv] [--out <file>]
      Download the import's template (header and one example row to replace); default <kind>-template.xlsx.
  sku <sku>
      One SKU across all channels: stock, targets, card-key counts, open alerts.
  order <channel> <order id> [--sku <sku>]
      One order's history: every step its SKUs recorded (reserved or rejected and why, paid with the keys, delivered,
      cancelled, expired, redeemed, refunded, sent again, key replaced, tickets), with who asked; --sku when the
      read models do not know the order yet.
  order redeliver <channel> <order id> [--sku <sku>] [--note <text>]
      补发: send the order's keys again (order-operator; at most once a minute, 5 times per order).
  order replace <channel> <order id> <unit id> [--sku <sku>] [--note <text>]
      换卡: void a key the buyer reports invalid and deliver the next available one in its place (order-operator).
  order refund <channel> <order id> [--sku <sku>] [--note <text>]
      退款: keys not delivered go back to stock, delivered ones stay spent (inventory-admin).
  order release-hold <channel> <order id> [--sku <sku>]
      Release a paid order an order rule held for review: forwarded to its first supplier, or given the first
      available keys (order-operator).
  key redeem <sku> <unit id>
      核销: mark a sold key as used by its buyer (order-operator).
  key void <sku> <unit id> [--note <text>]
      Take a key out of use; an unsold one leaves stock (inventory-admin).
${TICKET_USAGE.trimEnd()}
${SUPPLY_USAGE.trimEnd()}
${CATALOGUE_SYNC_USAGE.trimEnd()}
${REPORT_USAGE.trimEnd()}
${REPLENISHMENT_USAGE.trimEnd()}
${DIVERSION_USAGE.trimEnd()}
${ORDER_RULES_USAGE.trimEnd()}
  reconcile
      Run a reconciliation now and print its summary (reconciler app).
  rebuild-projections
      Drop the read models and replay the event store (DATABASE_URL; stop the projector first).
  projection quarantine list
      The SKUs the projector set aside (an event it cannot project), with the event and the reason.
  projection quarantine retry <sku>
      Ask the projector to rebuild a set-aside SKU from its stream (inventory-admin).
  vault rotate [--batch-size <n>] [--limit <n>]
      Re-encrypt every card key under CARD_VAULT_ACTIVE_KEY_ID (CARD_VAULT_KEYS still holding the old keys;
      DATABASE_URL, CARD_VAULT_FINGERPRINT_KEY); one transaction per batch (default 500); resumable: run it
      again after an interruption and rows already moved are skipped. Exit 1 while rows remain.
  dlq list
      Every dead-lettered message with its reason code and source (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX).
  dlq replay <offset>
      Write one dead letter's original bytes back to its source topic.

environment:
  STOCKSYNC_API_URL   the operations API (default http://127.0.0.1:3000)
  STOCKSYNC_API_KEY   an API key with the inventory-admin or admin role
  STOCKSYNC_RECONCILER_URL  the reconciler (default http://127.0.0.1:3003)
  STOCKSYNC_SERVICE_TOKEN   the service token the reconciler requires (default: SERVICE_TOKEN)
`;

/** Where the CLI reads its settings and writes its output; the process's own unless a caller (a test) passes others. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Where relative paths (init's .env) resolve; the process's working directory unless given. */
  cwd?: string;
  /** Asks a long command (vault rotate) to stop after its current step; the binary aborts it on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
}

/** Takes a flag without a value out of the arguments; whether it was there. */
function flag(args: string[], name: string): boolean {
  const at = args.indexOf(name);
  if (at < 0) return false;
  args.splice(at, 1);
  return true;
}

/** Runs one command; resolves with the exit code (0 done, 1 refused, 2 usage). Unexpected failures reject. */
export async function run(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const args = [...argv];
  const command = args.shift();
  const { env, stdout, stderr } = io;
  const context = {
    apiUrl: env.STOCKSYNC_API_URL ?? 'http://127.0.0.1:3000',
    apiKey: env.STOCKSYNC_API_KEY ?? '',
    reconcilerUrl: env.STOCKSYNC_RECONCILER_URL ?? 'http://127.0.0.1:3003',
    serviceToken: env.STOCKSYNC_SERVICE_TOKEN ?? env.SERVICE_TOKEN ?? '',
    env,
    stderr,
    stdout,
  };
  const usage = (): number => {
    stderr.write(USAGE);
    return 2;
  };
  // Every API call needs a key: saying so beats the 401 the API would answer.
  const withApiKey = (go: () => Promise<number>): Promise<number> | number => {
    if (context.apiKey) return go();
    stderr.write('STOCKSYNC_API_KEY is not set\n');
    return 2;
  };

  switch (command) {
    case undefined:
    case '--help':
    case '-h':
      stderr.write(USAGE);
      return 0;
    case 'init':
      return initCommand(args, { stdout, stderr, cwd: io.cwd ?? process.cwd() });
    case 'import-card-keys': {
      const batchId = option(args, '--batch-id');
      const column = option(args, '--column');
      const dryRun = flag(args, '--dry-run');
      const [sku, file] = args;
      if (!sku || !file) return usage();
      return withApiKey(() => importCardKeys({ sku, file, batchId, column, dryRun }, context));
    }
    case 'import-catalogue': {
      const batchId = option(args, '--batch-id');
      const mapping = option(args, '--mapping');
      const stockKindValues = option(args, '--stock-kind-values');
      const dryRun = flag(args, '--dry-run');
      const [file] = args;
      if (!file || !mapping || args.length > 1) return usage();
      return withApiKey(() => importCatalogue({ file, mapping, stockKindValues, batchId, dryRun }, context));
    }
    case 'import-template': {
      const format = option(args, '--format') ?? 'xlsx';
      const out = option(args, '--out');
      const [kind] = args;
      if (
        !(TEMPLATE_KINDS as readonly string[]).includes(kind ?? '') ||
        (format !== 'xlsx' && format !== 'csv')
      ) {
        return usage();
      }
      const cwd = io.cwd ?? process.cwd();
      return withApiKey(() => downloadTemplate({ kind: kind as TemplateKind, format, out, cwd }, context));
    }
    case 'sku':
      return args[0] ? withApiKey(() => showSku(args[0], context)) : usage();
    case 'order': {
      const sku = option(args, '--sku');
      const note = option(args, '--note');
      if ((ORDER_ACTIONS as readonly string[]).includes(args[0] ?? '')) {
        const [action, channel, channelOrderId, unitId] = args as [OrderAction, ...string[]];
        if (!channel || !channelOrderId || (action === 'replace') !== (unitId !== undefined)) return usage();
        const target = { channel, channelOrderId, unitId, sku, note };
        return withApiKey(() => runOrderAction(action, target, context));
      }
      const [channel, channelOrderId] = args;
      if (!channel || !channelOrderId) return usage();
      return withApiKey(() => showOrder({ channel, channelOrderId, sku }, context));
    }
    case 'key': {
      const note = option(args, '--note');
      const [action, sku, unitId] = args;
      if ((action !== 'redeem' && action !== 'void') || !sku || !unitId) return usage();
      return withApiKey(() => runKeyAction(action, { sku, unitId, note }, context));
    }
    case 'ticket': {
      const ticket = parseTicketCommand(args);
      return ticket ? withApiKey(() => runTicketCommand(ticket, context)) : usage();
    }
    case 'supply': {
      const supply = parseSupplyCommand(args);
      return supply ? withApiKey(() => runSupplyCommand(supply, context)) : usage();
    }
    case 'catalogue': {
      const catalogue = parseCatalogueCommand(args);
      return catalogue ? withApiKey(() => runCatalogueCommand(catalogue, context)) : usage();
    }
    case 'report': {
      const report = parseReportCommand(args);
      return report ? withApiKey(() => runReportCommand(report, context)) : usage();
    }
    case 'replenishment': {
      const replenishment = parseReplenishmentCommand(args);
      return replenishment ? withApiKey(() => runReplenishmentCommand(replenishment, context)) : usage();
    }
    case 'diversion': {
      const diversion = parseDiversionCommand(args);
      return diversion ? withApiKey(() => runDiversionCommand(diversion, context)) : usage();
    }
    case 'order-rules': {
      const rules = parseOrderRulesCommand(args);
      return rules ? withApiKey(() => runOrderRulesCommand(rules, context)) : usage();
    }
    case 'reconcile':
      // Saying so beats the 401 the reconciler would answer.
      if (!context.serviceToken) {
        stderr.write(
          'STOCKSYNC_SERVICE_TOKEN (or SERVICE_TOKEN) is not set: the reconciler needs the service token\n',
        );
        return 2;
      }
      return reconcileNow(context);
    case 'rebuild-projections':
      return rebuildProjections(context);
    case 'projection':
      if (args[0] !== 'quarantine') return usage();
      if (args[1] === 'list') return withApiKey(() => listQuarantine(context));
      if (args[1] === 'retry' && args[2]) return withApiKey(() => retryQuarantine(args[2], context));
      return usage();
    case 'vault': {
      if (args[0] !== 'rotate') return usage();
      const rawBatch = option(args, '--batch-size');
      const rawLimit = option(args, '--limit');
      const batchSize = rawBatch === undefined ? 500 : positiveInt(rawBatch);
      const limit = rawLimit === undefined ? undefined : positiveInt(rawLimit);
      if (batchSize === undefined || (rawLimit !== undefined && limit === undefined) || args.length > 1) {
        return usage();
      }
      return rotateVault({ batchSize, limit }, { ...context, signal: io.signal });
    }
    case 'dlq':
      if (args[0] === 'list') return listDeadLetters(context);
      if (args[0] === 'replay' && args[1]) return replayDeadLetter(args[1], context);
      return usage();
    default:
      return usage();
  }
}

/** The process entry (bin/stocksync.js, or this file run directly): process.argv in, the exit code out. */
export function main(): void {
  // During `vault rotate` the first Ctrl-C (or SIGTERM) lets the batch in flight commit and the command report;
  // a second one kills. Other commands keep the default (Ctrl-C ends them at once).
  const interrupt = new AbortController();
  for (const signal of process.argv[2] === 'vault' ? (['SIGINT', 'SIGTERM'] as const) : []) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping after the current step (again to kill)\n`);
      interrupt.abort();
    });
  }
  run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: interrupt.signal,
  }).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
