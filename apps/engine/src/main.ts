import 'reflect-metadata';
import { startEmbeddedPostgres } from '@libs/database';
import { startApp, type StartedApp } from '@libs/runtime';
import { APPS } from './apps';

const HELP = `Usage: npm start [-- --help]

Runs every StockSync app in one process. Without DATABASE_URL an embedded PostgreSQL (PGlite) is started
and shared by all apps; without KAFKA_BROKERS the apps report Kafka as not ready on /health/ready.
Each app listens on its default port (HTTP_PORT is ignored here); Ctrl-C stops everything.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  if (embedded) process.env.DATABASE_URL = embedded.url;
  delete process.env.HTTP_PORT;
  process.env.LOG_LEVEL ??= 'warn';

  const started: { name: string; app: StartedApp }[] = [];
  for (const [name, module] of Object.entries(APPS)) {
    started.push({ name, app: await startApp(module) });
  }
  for (const s of started) console.log(`${s.name.padEnd(22)} ${s.app.url}/health  ${s.app.url}/metrics`);
  console.log(embedded ? `embedded PostgreSQL at ${embedded.url}` : 'PostgreSQL from DATABASE_URL');

  const stop = async () => {
    for (const s of started.reverse()) await s.app.app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`${err.name}: ${err.message}`);
  process.exit(1);
});
