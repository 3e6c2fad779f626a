import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type SupplierProductSeed, SupplierSimulator } from './supplier-simulator';

/*
 * The supplier simulator as its own process, for tests that kill things around it:
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     libs/platform-simulators/src/supplier-simulator.main.ts --port 0 --seed seed.json
 *
 * Options (or environment): --port (SUPPLIER_SIM_PORT, default 0: any free port), --app-id (SUPPLIER_SIM_APP_ID,
 * default stocksync), --secret (SUPPLIER_SIM_SECRET; prefer the environment, argv is visible to `ps`), --seed
 * (SUPPLIER_SIM_SEED): a JSON file `{products: SupplierProductSeed[], noticeTarget?: {url, path}}`.
 * It listens on 127.0.0.1 only and prints one line, `supplier-simulator ready <url>`, once it accepts requests;
 * the test drives it through the control routes (`/_sim/faults`, `/_sim/supplier/...`). SIGTERM or SIGINT stops
 * it (exit 0). The secret is never printed.
 */

interface Seed {
  products?: SupplierProductSeed[];
  noticeTarget?: { url: string; path: string };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'app-id': { type: 'string' },
      secret: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const portText = values.port ?? process.env.SUPPLIER_SIM_PORT ?? '0';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new Error('--port (SUPPLIER_SIM_PORT) must be 0 to 65535');
  const secret = values.secret ?? process.env.SUPPLIER_SIM_SECRET;
  if (!secret || secret.length < 16)
    throw new Error('--secret (SUPPLIER_SIM_SECRET) is required: at least 16 characters');
  const seedPath = values.seed ?? process.env.SUPPLIER_SIM_SEED;
  const seed: Seed = seedPath ? (JSON.parse(readFileSync(seedPath, 'utf8')) as Seed) : {};

  const sim = new SupplierSimulator({ appId: values['app-id'] ?? process.env.SUPPLIER_SIM_APP_ID, secret });
  sim.seed(seed.products ?? []);
  if (seed.noticeTarget) sim.setNoticeTarget(seed.noticeTarget);
  const url = await sim.start(port, '127.0.0.1');

  const stop = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`supplier-simulator ready ${url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`supplier-simulator: ${(err as Error).message}\n`);
  process.exit(2);
});
