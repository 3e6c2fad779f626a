/**
 * Event appends per second on the PostgreSQL event store, for 1, 10, 100 and 1,000 events per transaction,
 * appended to one hot stream at its exact expected version from one connection (the shape of a batched decider
 * on a flash-sale SKU). Creates and drops its own database on DATABASE_URL.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     npx ts-node --transpile-only -r tsconfig-paths/register bench/event-store-append.bench.ts
 *
 * BENCH_SECONDS (default 5) bounds each batch size; each also stops at 300,000 events.
 */
import { randomUUID } from 'node:crypto';
import { PostgresEventStore, type EventToAppend } from '@libs/event-store';
import { createTestDatabase } from '@libs/testing';

const BATCH_SIZES = [1, 10, 100, 1000];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const MAX_EVENTS = 300_000;
const WARMUP_SECONDS = 0.5;

interface Run {
  batch: number;
  events: number;
  transactions: number;
  seconds: number;
}

function reservation(i: number): EventToAppend {
  return {
    eventId: randomUUID(),
    type: 'StockReserved',
    data: {
      channel: 'taobao',
      channelOrderId: `TB${1_000_000 + i}`,
      lines: [{ quantity: 1 }],
      expiresAt: '2026-01-01T00:15:00Z',
    },
    metadata: { correlationId: randomUUID(), actor: 'connector-taobao' },
  };
}

async function appendFor(
  store: PostgresEventStore,
  batch: number,
  seconds: number,
  maxEvents: number,
): Promise<Run> {
  const streamId = `bench-${batch}-${randomUUID()}`;
  let version = 0;
  let events = 0;
  let transactions = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && events < maxEvents) {
    const result = await store.appendToStream(
      streamId,
      version,
      Array.from({ length: batch }, (_, k) => reservation(events + k)),
    );
    version = result.nextExpectedVersion;
    events += batch;
    transactions += 1;
  }
  return { batch, events, transactions, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_append', 2);
  db.pool.on('error', () => undefined);
  try {
    const store = await PostgresEventStore.create(db.pool);
    await appendFor(store, 10, WARMUP_SECONDS, 10_000);
    const runs: Run[] = [];
    for (const batch of BATCH_SIZES) runs.push(await appendFor(store, batch, SECONDS, MAX_EVENTS));

    const rate = (r: Run) => r.events / r.seconds;
    const baseline = rate(runs[0]);
    console.log(`event store append, one hot stream, one connection, ${SECONDS}s per size`);
    console.log(`baseline (1 event per transaction): ${Math.round(baseline)} events/s`);
    console.log('events/tx | events | tx | events/s | tx/s | avg ms/tx | × baseline');
    for (const r of runs) {
      console.log(
        [
          r.batch,
          r.events,
          r.transactions,
          Math.round(rate(r)),
          Math.round(r.transactions / r.seconds),
          ((r.seconds * 1000) / r.transactions).toFixed(2),
          (rate(r) / baseline).toFixed(1),
        ].join(' | '),
      );
    }
  } finally {
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
