import { importCardKeys } from './import-card-keys.command';

const USAGE = `usage: stocksync <command>

commands:
  import-card-keys <sku> <file> [--batch-id <id>] [--column <name>]
      Upload a TXT (one key per line) or .csv file of card keys; progress on stderr, report on stdout.

environment:
  STOCKSYNC_API_URL   the operations API (default http://127.0.0.1:3000)
  STOCKSYNC_API_KEY   an API key with the inventory-admin or admin role
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
