import 'reflect-metadata';
import { databaseConfig, loadConfig } from '@libs/config';
import { createPool } from '@libs/database';
import { PostgresEventStore } from '@libs/event-store';
import { Projector } from './projector';

/**
 * `npx ts-node --transpile-only -r tsconfig-paths/register apps/projector/src/rebuild.ts`: empties the derived
 * read models and replays the event store into them, against DATABASE_URL. A projector app running meanwhile
 * notices the checkpoint moved and resumes from wherever this leaves it.
 */
async function main(): Promise<void> {
  const { url } = loadConfig(databaseConfig);
  if (!url) throw new Error('DATABASE_URL must name the server whose read models to rebuild');
  const pool = createPool({ url, max: 2, applicationName: 'stocksync-projector-rebuild' });
  try {
    const store = await PostgresEventStore.create(pool);
    const { events, seconds } = await new Projector(pool, store).rebuild();
    process.stdout.write(`rebuilt the read models from ${events} events in ${seconds.toFixed(1)} s\n`);
  } finally {
    await pool.end();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.name}: ${err.message}\n`);
  process.exit(1);
});
