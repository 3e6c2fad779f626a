import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CardVault, parseKeyring } from '@libs/card-vault';
import { ConnectorRuntime, PLATFORM_CONNECTION, type PlatformConnection } from '@libs/channels';
import { EMBEDDED_FLAG } from '@libs/config';
import { createPool, startEmbeddedPostgres } from '@libs/database';
import { EventStore } from '@libs/event-store';
import { createInventoryBatchHandler } from '@libs/inventory-application';
import { InMemoryMessageBus } from '@libs/messaging';
import {
  hashServiceToken,
  PG_POOL,
  startApp,
  useEmbeddedInfrastructure,
  type StartedApp,
} from '@libs/runtime';
import type { Pool } from 'pg';
import { ApiKeysRepository } from '../../api/src/auth/api-keys.repository';
import { consoleDirectory } from '../../api/src/console/console.module';
import { APPS } from './apps';
import { claimDataDir, engineVaultKeys, issueSessionAdminKey } from './session';
import { vaultCardKeys } from './simulation/card-key-supply';
import { seedCatalogue, simulatedCatalogue, unregisteredSkus } from './simulation/catalogue';
import { ChannelListings } from './simulation/channel-listings';
import { ChannelTraffic } from './simulation/channel-traffic';
import { DeliveredKeys } from './simulation/delivered-keys';
import { LiveView } from './simulation/live-view';
import { PlatformListings } from './simulation/platform-listings';

const HELP = `Usage: npm start [-- options]

Runs the whole StockSync engine in one process with nothing installed but Node: an embedded PostgreSQL
(PGlite), an in-memory message bus, every app (inventory-service, projector, reconciler, connectors, api,
notifier) and four simulated platforms (taobao, pinduoduo, miniprogram, shop) with buyers placing, paying, cancelling
and abandoning orders, and restocks. The terminal shows each SKU's stock next to what each platform lists,
read from the platform through its connector, and how many SKUs each platform shows in step with its target.

Card-key delivery is on: the card vault's keys are made for the run (never printed), card-key stock is sealed
into the vault, and the connectors deliver each paid order's keys to its platform; the view counts the keys the
platforms received and checks that none reached two orders. At start it prints the operations API's URL, its
OpenAPI page, the operations console (a web page under /console) and an admin API key made for the run
(stored hashed; the next run on the same data revokes it) to sign in with.

Options:
  --skus N            SKUs in the simulated catalogue (default 12)
  --rate N            orders per second across all channels (default 8)
  --ttl SECONDS       how long an unpaid reservation holds stock (default 20)
  --duration SECONDS  stop by itself this long after the traffic starts (default: run until Ctrl-C)
  --data-dir PATH     keep the embedded database (and the vault keys that open its card keys) in PATH, so the
                      next run with the same PATH goes on from there (default: in memory, gone when stopped)
  --seed N            seed of the simulated traffic (default: time)
  --no-view           print a one-line summary instead of the table
  -h, --help          this text

To stop, the buyers stop ordering and paying, the keys of orders already paid are delivered (up to 15 s), and
one line is printed: orders placed, accepted, rejected, paid, cancelled, restocks, and card keys allocated,
delivered and delivered twice. It exits 3 if a key reached two orders.

It runs in embedded mode (it sets STOCKSYNC_EMBEDDED=1 itself): the only mode in which an app may use PGlite,
the in-memory bus or a simulated platform. Each app started on its own needs its servers and platform.

Every app listens on 127.0.0.1 only and serves /health, /health/ready and /metrics on its default port (api
3000, inventory-service 3001, projector 3002, reconciler 3003, notifier 3005, connectors 3010-3013, the
supplier connector 3014). The supplier connector runs with no supplier unless SUPPLIERS names some.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      skus: { type: 'string', default: '12' },
      rate: { type: 'string', default: '8' },
      ttl: { type: 'string', default: '20' },
      duration: { type: 'string' },
      'data-dir': { type: 'string' },
      seed: { type: 'string' },
      'no-view': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const options = {
    skus: positiveInt('--skus', values.skus),
    rate: positiveInt('--rate', values.rate),
    ttlMs: positiveInt('--ttl', values.ttl) * 1000,
    durationMs: values.duration ? positiveInt('--duration', values.duration) * 1000 : undefined,
    seed: values.seed ? positiveInt('--seed', values.seed) : undefined,
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : undefined,
  };

  // The one place the embedded stand-ins are chosen: production apps refuse to start without their servers.
  process.env[EMBEDDED_FLAG] = '1';
  const releaseDataDir = options.dataDir ? claimDataDir(options.dataDir) : () => undefined;
  const postgres = await startEmbeddedPostgres({
    dataDir: options.dataDir ? join(options.dataDir, 'postgres') : undefined,
  });
  const bus = new InMemoryMessageBus({ source: 'stocksync-engine' });
  const pool = createPool({ url: postgres.url, embedded: true, applicationName: 'stocksync-engine' });
  pool.on('error', () => undefined);
  useEmbeddedInfrastructure({ databaseUrl: postgres.url, pool, bus });
  process.env.LOG_LEVEL ??= 'warn';
  process.env.RESERVATION_SWEEP_INTERVAL_MS ??= '2000';
  delete process.env.HTTP_PORT;
  // Every server of the process on loopback: the API's admin key is printed, and nothing here is for a network.
  process.env.HTTP_HOST = '127.0.0.1';
  // Internal routes (the connectors' operations routes, the reconciler's API) need the service token here too: one
  // made for this run and held by every app in the process. The reconciler reads the platforms through the
  // connectors on their default ports.
  process.env.SERVICE_TOKEN ??= randomBytes(32).toString('base64url');
  process.env.SERVICE_TOKEN_HASHES ??= hashServiceToken(process.env.SERVICE_TOKEN);
  process.env.RECONCILE_CONNECTORS ??= Object.entries(CONNECTOR_PORTS)
    .map(([channel, port]) => `${channel}=http://127.0.0.1:${port}`)
    .join(',');
  // Card-key delivery on, with the engine's own vault keys (not whatever the shell holds): the keys sealed into
  // the vault below and the keys the connectors reveal must be the same. The marketplaces get a signed link to
  // the connector's delivery page instead of the key; its secret is made for the run, like the service token.
  const vaultKeys = engineVaultKeys(options.dataDir);
  Object.assign(process.env, vaultKeys.env);
  process.env.DELIVERY_LINK_SECRET = randomBytes(32).toString('base64url');

  const apps: { name: string; started: StartedApp }[] = [];
  for (const [name, module] of Object.entries(APPS)) {
    // Each app reads its configuration while it is created, so this connector's page URL is its own port.
    const channel = name.replace(/^connector-/, '') as keyof typeof CONNECTOR_PORTS;
    if (CONNECTOR_PORTS[channel])
      process.env.DELIVERY_PAGE_URL = `http://127.0.0.1:${CONNECTOR_PORTS[channel]}`;
    apps.push({ name, started: await startApp(module) });
  }
  delete process.env.DELIVERY_PAGE_URL;
  const inventory = apps.find((a) => a.name === 'inventory-service')!.started.app;
  const api = apps.find((a) => a.name === 'api')!.started;
  // The platform connectors (the supplier connector has no platform listing to show).
  const connectors = apps
    .filter((a) => a.name.replace(/^connector-/, '') in CONNECTOR_PORTS)
    .map((a) => a.started.app);

  const vault = await CardVault.create(pool, {
    keys: parseKeyring(vaultKeys.env.CARD_VAULT_KEYS),
    activeKeyId: vaultKeys.env.CARD_VAULT_ACTIVE_KEY_ID,
    fingerprintKey: Buffer.from(vaultKeys.env.CARD_VAULT_FINGERPRINT_KEY, 'base64'),
  });
  const admin = await issueSessionAdminKey(api.app.get(ApiKeysRepository));
  const kept = await keptData(pool);
  const skus = simulatedCatalogue(options.skus);
  const listings = new ChannelListings();
  await listings.attach(bus);
  const cardKeys = vaultCardKeys(vault);
  const traffic = new ChannelTraffic(bus, skus, listings, {
    ordersPerSecond: options.rate,
    reservationTtlMs: options.ttlMs,
    seed: options.seed,
    cardKeys,
  });
  await traffic.attach();
  await bus.start();
  const store = inventory.get(EventStore);
  // A SKU kept from an earlier run keeps its stock and history; only SKUs new to the catalogue are seeded.
  await seedCatalogue(
    createInventoryBatchHandler(store),
    await unregisteredSkus(store, skus),
    Date.now(),
    cardKeys,
  );
  traffic.start();

  const platforms = new PlatformListings(connectors.map((c) => c.get(ConnectorRuntime)));
  const keys = new DeliveredKeys(
    connectors.map((c) => c.get<PlatformConnection>(PLATFORM_CONNECTION).baseUrl),
  );
  const view = new LiveView(inventory.get<Pool>(PG_POOL), listings, platforms, traffic.stats, keys);

  const header = [
    'StockSync engine: every app in one process, embedded PostgreSQL, in-memory bus, four simulated platforms',
    `  console          ${consoleDirectory() ? `${api.url}/console/   (sign in with the admin API key below)` : 'not built: run npm run build:console, then start again'}`,
    `  operations API   ${api.url}   (all servers on 127.0.0.1 only)`,
    `  OpenAPI page     ${api.url}/docs`,
    `  admin API key    ${admin.key}`,
    '                   for this run only: shown once, here, and stored hashed',
    `  try              curl -H "Authorization: Bearer <admin API key>" ${api.url}/v1/skus`,
    options.dataDir
      ? `  data             ${options.dataDir} (${kept.events > 0 ? `kept from earlier runs: ${kept.skus} SKUs, ${kept.events} events; ${admin.revoked} earlier admin key(s) revoked` : 'new'})`
      : '  data             in memory, gone when stopped (--data-dir PATH keeps it)',
    `  card keys        delivered to the buyers from the card vault, under ${vaultKeys.kept === 'reused' ? 'the vault keys kept in the data directory' : 'vault keys made for this run'}`,
    '',
  ];
  const tty = !values['no-view'] && process.stdout.isTTY;
  process.stdout.write(`${tty ? '\x1b[2J\x1b[H' : ''}${header.join('\n')}\n`);
  if (values['no-view']) {
    const timer = setInterval(() => void view.render().catch(() => undefined), 5000);
    timer.unref();
  } else {
    // Rows the header takes on this terminal, wrapped lines included: the view redraws below them.
    const columns = process.stdout.columns || 80;
    view.start(
      1000,
      header.reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / columns)), 0),
    );
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    view.stop();
    await traffic.stop();
    // No new orders from here; the keys of orders already paid are still delivered (up to DRAIN_MS), so every
    // buyer who paid gets their keys before the run ends. The platforms' records are read before the connectors
    // (and the simulated platforms inside them) close.
    for (const until = Date.now() + DRAIN_MS; ; await sleep(250)) {
      await keys.refresh();
      if (keys.summary().delivered >= traffic.stats.keysAllocated || Date.now() > until) break;
    }
    await bus.stop();
    for (const a of apps.reverse()) await a.started.app.close();
    useEmbeddedInfrastructure(undefined);
    await pool.end();
    await postgres.stop();
    releaseDataDir();
    const s = traffic.stats;
    const k = keys.summary();
    console.log(
      `stopped: ${s.placed} orders placed, ${s.accepted} accepted, ${s.rejected} rejected, ${s.paid} paid, ${s.cancelled} cancelled, ${s.restocks} restocks; ` +
        `card keys: ${s.keysAllocated} allocated, ${k.delivered} delivered to ${k.orders} orders, ${k.deliveredTwice} delivered twice, ${k.repeatsAcknowledged} repeated calls acknowledged`,
    );
    process.exit(k.deliveredTwice > 0 ? 3 : 0);
  };
  const stopOrFail = () =>
    void stop().catch((err: Error) => {
      console.error(`stopping failed: ${err.name}: ${err.message}`);
      process.exit(1);
    });
  process.once('SIGINT', stopOrFail);
  process.once('SIGTERM', stopOrFail);
  if (options.durationMs) setTimeout(stopOrFail, options.durationMs);
}

/** What the database holds already: something only with --data-dir, after an earlier run. */
async function keptData(pool: Pool): Promise<{ skus: number; events: number }> {
  const { rows } = await pool.query<{ skus: number; events: number }>(
    `SELECT (SELECT count(*) FROM event_streams WHERE stream_id LIKE 'sku-%')::int AS skus,
            (SELECT count(*) FROM events)::int AS events`,
  );
  return rows[0];
}

/** How long a stop waits for the card keys of orders already paid to reach their platforms. */
const DRAIN_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The connectors' default ports (each app's PlatformModule defaultPort). */
const CONNECTOR_PORTS = { taobao: 3010, pinduoduo: 3011, miniprogram: 3012, shop: 3013 };

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

main().catch((err: Error) => {
  console.error(`${err.name}: ${err.message}`);
  process.exit(1);
});
