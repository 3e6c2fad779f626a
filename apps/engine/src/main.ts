import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConnectorRuntime } from '@libs/channels';
import { EMBEDDED_FLAG } from '@libs/config';
import { createPool, startEmbeddedPostgres } from '@libs/database';
import { EventStore } from '@libs/event-store';
import { createInventoryBatchHandler } from '@libs/inventory-application';
import { InMemoryMessageBus } from '@libs/messaging';
import { hashServiceToken, PG_POOL, startApp, useEmbeddedInfrastructure, type StartedApp } from '@libs/runtime';
import type { Pool } from 'pg';
import { APPS } from './apps';
import { seedCatalogue, simulatedCatalogue } from './simulation/catalogue';
import { ChannelListings } from './simulation/channel-listings';
import { ChannelTraffic } from './simulation/channel-traffic';
import { LiveView } from './simulation/live-view';
import { PlatformListings } from './simulation/platform-listings';

const HELP = `Usage: npm start [-- options]

Runs the whole StockSync engine in one process with nothing installed but Node: an embedded PostgreSQL
(PGlite), an in-memory message bus, every app (inventory-service, projector, reconciler, connectors, api)
and four simulated platforms (taobao, pinduoduo, miniprogram, shop) with buyers placing, paying, cancelling
and abandoning orders, and restocks. The terminal shows each SKU's stock next to what each platform lists,
read from the platform through its connector, and how many SKUs each platform shows in step with its target.

Options:
  --skus N            SKUs in the simulated catalogue (default 12)
  --rate N            orders per second across all channels (default 8)
  --ttl SECONDS       how long an unpaid reservation holds stock (default 20)
  --duration SECONDS  stop by itself after this long (default: run until Ctrl-C)
  --seed N            seed of the simulated traffic (default: time)
  --no-view           print a one-line summary instead of the table
  -h, --help          this text

It runs in embedded mode (it sets STOCKSYNC_EMBEDDED=1 itself): the only mode in which an app may use PGlite,
the in-memory bus or a simulated platform. Each app started on its own needs its servers and platform.

Every app also serves /health, /health/ready and /metrics on its default port (api 3000,
inventory-service 3001, projector 3002, reconciler 3003, connectors 3010-3013).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      skus: { type: 'string', default: '12' },
      rate: { type: 'string', default: '8' },
      ttl: { type: 'string', default: '20' },
      duration: { type: 'string' },
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
  };

  // The one place the embedded stand-ins are chosen: production apps refuse to start without their servers.
  process.env[EMBEDDED_FLAG] = '1';
  const postgres = await startEmbeddedPostgres();
  const bus = new InMemoryMessageBus({ source: 'stocksync-engine' });
  const pool = createPool({ url: postgres.url, embedded: true, applicationName: 'stocksync-engine' });
  pool.on('error', () => undefined);
  useEmbeddedInfrastructure({ databaseUrl: postgres.url, pool, bus });
  process.env.LOG_LEVEL ??= 'warn';
  process.env.RESERVATION_SWEEP_INTERVAL_MS ??= '2000';
  delete process.env.HTTP_PORT;
  // Internal routes (the connectors' operations routes, the reconciler's API) need the service token here too: one
  // made for this run and held by every app in the process. The reconciler reads the platforms through the
  // connectors on their default ports.
  process.env.SERVICE_TOKEN ??= randomBytes(32).toString('base64url');
  process.env.SERVICE_TOKEN_HASHES ??= hashServiceToken(process.env.SERVICE_TOKEN);
  process.env.RECONCILE_CONNECTORS ??= Object.entries(CONNECTOR_PORTS)
    .map(([channel, port]) => `${channel}=http://127.0.0.1:${port}`)
    .join(',');

  const apps: { name: string; started: StartedApp }[] = [];
  for (const [name, module] of Object.entries(APPS)) apps.push({ name, started: await startApp(module) });
  const inventory = apps.find((a) => a.name === 'inventory-service')!.started.app;

  const skus = simulatedCatalogue(options.skus);
  const listings = new ChannelListings();
  await listings.attach(bus);
  const traffic = new ChannelTraffic(bus, skus, listings, {
    ordersPerSecond: options.rate,
    reservationTtlMs: options.ttlMs,
    seed: options.seed,
  });
  await traffic.attach();
  await bus.start();
  await seedCatalogue(createInventoryBatchHandler(inventory.get(EventStore)), skus);
  traffic.start();

  const platforms = new PlatformListings(
    apps.filter((a) => a.name.startsWith('connector-')).map((a) => a.started.app.get(ConnectorRuntime)),
  );
  const view = new LiveView(inventory.get<Pool>(PG_POOL), listings, platforms, traffic.stats);
  if (values['no-view']) {
    const timer = setInterval(() => void view.render().catch(() => undefined), 5000);
    timer.unref();
  } else {
    view.start();
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    view.stop();
    await traffic.stop();
    await bus.stop();
    for (const a of apps.reverse()) await a.started.app.close();
    useEmbeddedInfrastructure(undefined);
    await pool.end();
    await postgres.stop();
    const s = traffic.stats;
    console.log(
      `stopped: ${s.placed} orders placed, ${s.accepted} accepted, ${s.rejected} rejected, ${s.paid} paid, ${s.cancelled} cancelled, ${s.restocks} restocks`,
    );
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (options.durationMs) setTimeout(stop, options.durationMs);
}

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
