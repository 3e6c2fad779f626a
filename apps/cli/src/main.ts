import { listDeadLetters, replayDeadLetter } from './dead-letters.commands';
import { importCardKeys } from './import-card-keys.command';
import { rebuildProjections, reconcileNow, showSku } from './operations.commands';

const USAGE = `usage: stocksync <command>

commands:
  import-card-keys <sku> <file> [--batch-id <id>] [--column <name>]
      Upload a TXT (one key per line) or .csv file of card keys; progress on stderr, report on stdout.
  sku <sku>
      One SKU across all channels: stock, targets, card-key counts, open alerts.
  reconcile
      Run a reconciliation now and print its summary (reconciler app).
  rebuild-projections
      Drop the read models and replay the event store (DATABASE_URL; stop the projector first).
  dlq list
      Every dead-lettered message with its reason code and source (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX).
  dlq replay <offset>
      Write one dead letter's original bytes back to its source topic.

environment:
  STOCKSYNC_API_URL   the operations API (default http://127.0.0.1:3000)
  STOCKSYNC_API_KEY   an API key with the inventory-admin or admin role
  STOCKSYNC_RECONCILER_URL  the reconciler (default http://127.0.0.1:3003)
`;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
}

export async function run(argv: string[]): Promise<number> {
  const args = [...argv];
  const command = args.shift();
  const context = {
    apiUrl: process.env.STOCKSYNC_API_URL ?? 'http://127.0.0.1:3000',
    apiKey: process.env.STOCKSYNC_API_KEY ?? '',
    stderr: process.stderr,
    stdout: process.stdout,
  };
  if (command === 'import-card-keys') {
    const batchId = option(args, '--batch-id');
    const column = option(args, '--column');
    const [sku, file] = args;
    if (!sku || !file) {
      process.stderr.write(USAGE);
      return 2;
    }
    if (!context.apiKey) {
      process.stderr.write('STOCKSYNC_API_KEY is not set\n');
      return 2;
    }
    return importCardKeys({ sku, file, batchId, column }, context);
  }
  const ops = { ...context, reconcilerUrl: process.env.STOCKSYNC_RECONCILER_URL ?? 'http://127.0.0.1:3003' };
  if (command === 'sku' && args[0]) return showSku(args[0], ops);
  if (command === 'reconcile') return reconcileNow(ops);
  if (command === 'rebuild-projections') return rebuildProjections(ops);
  if (command === 'dlq' && args[0] === 'list') return listDeadLetters(context.stdout);
  if (command === 'dlq' && args[0] === 'replay' && args[1]) return replayDeadLetter(args[1], context.stdout);
  process.stderr.write(USAGE);
  return command === undefined || command === '--help' ? 0 : 2;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
