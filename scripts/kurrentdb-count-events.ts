/**
 * Counts the events of streams starting with a prefix in the KurrentDB at KURRENTDB_CONNECTION_STRING, and fails
 * when there are none. The GitHub workflow runs it after an e2e flow with EVENT_STORE=kurrentdb, so that the
 * flow passing cannot hide apps that silently wrote to PostgreSQL instead.
 *
 *   ts-node --transpile-only -r tsconfig-paths/register scripts/kurrentdb-count-events.ts sku-FANOUT-
 */
import { createKurrentDbEventStore, START_CHECKPOINT, type GlobalCheckpoint } from '@libs/event-store';

async function main(): Promise<void> {
  const prefix = process.argv[2];
  const connectionString = process.env.KURRENTDB_CONNECTION_STRING;
  if (!prefix || !connectionString) {
    throw new Error('usage: KURRENTDB_CONNECTION_STRING=... kurrentdb-count-events.ts <stream prefix>');
  }
  const store = await createKurrentDbEventStore(connectionString, { streamPrefixes: [prefix] });
  try {
    let checkpoint: GlobalCheckpoint = START_CHECKPOINT;
    const types = new Map<string, number>();
    for (;;) {
      const page = await store.readAll(checkpoint, 1_000);
      for (const event of page.events) types.set(event.type, (types.get(event.type) ?? 0) + 1);
      if (page.events.length === 0) break;
      checkpoint = page.checkpoint;
    }
    const total = [...types.values()].reduce((a, b) => a + b, 0);
    console.log(
      `${total} events in streams ${prefix}*: ${[...types].map(([t, n]) => `${t} ${n}`).join(', ')}`,
    );
    if (total === 0) process.exitCode = 1;
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
