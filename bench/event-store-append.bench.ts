/**
 * Event appends per second on the PostgreSQL event store, for 1, 10, 100 and 1,000 events per transaction,
 * appended to one hot stream at its exact expected version from one connection (the shape of a batched decider
 * on a flash-sale SKU). Creates and drops its own database on DATABASE_URL.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     npx ts-node --transpile-only -r tsconfig-paths/register bench/event-store-append.bench.ts
 *
 * BENCH_SECONDS (default 5) bounds each batch size; each also stops at 300,000 events.
 *
 * Then three ways of sending a transaction's rows, each inside the store's append transaction (BEGIN, the
 * stream lock and version read of event_store_begin_append, the version check, the insert, COMMIT), for 100
 * and 1,000 events per transaction, in interleaved rounds (VARIANT_ROUNDS, default 3, of VARIANT_SECONDS,
 * default 1.5 s, per variant and size, the order rotated each round) so that a change in the machine's load
 * hits every variant alike:
 *  - json: one JSON document expanded by jsonb_to_recordset, inserting and bumping the stream version in one
 *    statement (what the store does; the store itself is run too, as a check of this replica);
 *  - unnest: the same statement with one array parameter per column;
 *  - copy: COPY ... FROM STDIN (text format), then one statement that bumps the stream version and reads back
 *    the positions COPY cannot return.
 * The baseline, also interleaved, is the store appending one event per transaction.
 */
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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

interface Row {
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  occurredAt: Date;
}

interface Inserted {
  event_id: string;
  global_position: string;
  transaction_id: string;
  recorded_at: Date;
}

type InsertRows = (client: PoolClient, rows: Row[], streamId: string, version: number) => Promise<Inserted[]>;

const BUMP = `INSERT INTO event_streams (stream_id, version) VALUES ($1, $2)
  ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`;

const insertJson: InsertRows = async (client, rows, streamId, version) => {
  const doc = JSON.stringify(
    rows.map((e) => ({
      event_id: e.eventId,
      stream_id: e.streamId,
      version: e.version,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      occurred_at: e.occurredAt,
    })),
  );
  const { rows: out } = await client.query<Inserted>(
    `WITH inserted AS (
       INSERT INTO events (event_id, stream_id, version, type, data, metadata, occurred_at)
       SELECT r.event_id, r.stream_id, r.version, r.type, r.data, r.metadata, r.occurred_at
         FROM jsonb_to_recordset($1::jsonb) AS r(event_id uuid, stream_id text, version bigint, type text,
                                                 data jsonb, metadata jsonb, occurred_at timestamptz)
       RETURNING event_id, global_position, transaction_id, recorded_at
     ), bumped AS (
       INSERT INTO event_streams (stream_id, version)
       SELECT * FROM unnest($2::text[], $3::bigint[])
       ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
     )
     SELECT event_id, global_position, transaction_id::text AS transaction_id, recorded_at FROM inserted`,
    [doc, [streamId], [version]],
  );
  return out;
};

const insertUnnest: InsertRows = async (client, rows, streamId, version) => {
  const { rows: out } = await client.query<Inserted>(
    `WITH inserted AS (
       INSERT INTO events (event_id, stream_id, version, type, data, metadata, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[],
                            $7::timestamptz[])
       RETURNING event_id, global_position, transaction_id, recorded_at
     ), bumped AS (
       INSERT INTO event_streams (stream_id, version)
       SELECT * FROM unnest($8::text[], $9::bigint[])
       ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
     )
     SELECT event_id, global_position, transaction_id::text AS transaction_id, recorded_at FROM inserted`,
    [
      rows.map((e) => e.eventId),
      rows.map((e) => e.streamId),
      rows.map((e) => e.version),
      rows.map((e) => e.type),
      rows.map((e) => JSON.stringify(e.data)),
      rows.map((e) => JSON.stringify(e.metadata)),
      rows.map((e) => e.occurredAt.toISOString()),
      [streamId],
      [version],
    ],
  );
  return out;
};

/** COPY's text format: backslash, tab, newline and carriage return are escaped. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      )
    : value;
}

const insertCopy: InsertRows = async (client, rows, streamId, version) => {
  const text = rows
    .map(
      (e) =>
        `${e.eventId}\t${copyText(e.streamId)}\t${e.version}\t${copyText(e.type)}\t` +
        `${copyText(JSON.stringify(e.data))}\t${copyText(JSON.stringify(e.metadata))}\t${e.occurredAt.toISOString()}\n`,
    )
    .join('');
  await pipeline(
    Readable.from([Buffer.from(text, 'utf8')]),
    client.query(
      copyFrom('COPY events (event_id, stream_id, version, type, data, metadata, occurred_at) FROM STDIN'),
    ),
  );
  const { rows: out } = await client.query<Inserted>(
    `WITH bumped AS (${BUMP})
     SELECT event_id::text, global_position, transaction_id::text AS transaction_id, recorded_at
       FROM events WHERE event_id = ANY($3::uuid[])`,
    [streamId, version, rows.map((e) => e.eventId)],
  );
  return out;
};

/** The store's append transaction around one way of inserting the rows (one stream, at its expected version). */
async function appendWith(
  client: PoolClient,
  insert: InsertRows,
  streamId: string,
  expectedVersion: number,
  events: EventToAppend[],
): Promise<number> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ kind: string; version: string }>(
      'SELECT kind, version FROM event_store_begin_append($1::text[], $2::uuid[])',
      [[streamId], events.map((e) => e.eventId)],
    );
    const stream = rows.find((r) => r.kind === 'stream');
    if (Number(stream?.version ?? 0) !== expectedVersion || rows.some((r) => r.kind === 'event'))
      throw new Error('version conflict or duplicate in the benchmark');
    const now = new Date();
    const next = expectedVersion + events.length;
    const inserted = await insert(
      client,
      events.map((e, k) => ({
        eventId: e.eventId,
        streamId,
        version: expectedVersion + 1 + k,
        type: e.type,
        data: e.data ?? null,
        metadata: e.metadata ?? {},
        occurredAt: e.occurredAt ?? now,
      })),
      streamId,
      next,
    );
    if (inserted.length !== events.length) throw new Error(`${inserted.length} rows came back`);
    await client.query('COMMIT');
    return next;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

type Appender = (streamId: string, expectedVersion: number, events: EventToAppend[]) => Promise<number>;

async function appendLoop(append: Appender, batch: number, seconds: number): Promise<Run> {
  const streamId = `variant-${batch}-${randomUUID()}`;
  let version = 0;
  let events = 0;
  let transactions = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && events < MAX_EVENTS) {
    version = await append(
      streamId,
      version,
      Array.from({ length: batch }, (_, k) => reservation(events + k)),
    );
    events += batch;
    transactions += 1;
  }
  return { batch, events, transactions, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function compareVariants(store: PostgresEventStore, client: PoolClient): Promise<void> {
  const rounds = Number(process.env.VARIANT_ROUNDS ?? 3);
  const seconds = Number(process.env.VARIANT_SECONDS ?? 1.5);
  const variants: [string, Appender][] = [
    ['store (json)', async (s, v, e) => (await store.appendToStream(s, v, e)).nextExpectedVersion],
    ['json', (s, v, e) => appendWith(client, insertJson, s, v, e)],
    ['unnest', (s, v, e) => appendWith(client, insertUnnest, s, v, e)],
    ['copy', (s, v, e) => appendWith(client, insertCopy, s, v, e)],
  ];
  // Each variant must store what the store stores: three events, one with characters COPY's text format escapes.
  for (const [name, append] of variants) {
    const streamId = `check-${name}-${randomUUID()}`;
    const events = [reservation(1), reservation(2), reservation(3)];
    events[1].data = { note: 'tab\there, newline\nthere, backslash \\ and "quotes"', n: 2 };
    await append(streamId, 0, events);
    const read = await store.readStream(streamId);
    const ok =
      read.length === 3 &&
      read.every(
        (r, i) =>
          r.eventId === events[i].eventId &&
          r.version === i + 1 &&
          r.type === events[i].type &&
          isDeepStrictEqual(r.data, JSON.parse(JSON.stringify(events[i].data))) &&
          isDeepStrictEqual(r.metadata, JSON.parse(JSON.stringify(events[i].metadata))),
      );
    if (!ok) throw new Error(`${name} did not store the events as given`);
  }
  const cells: [string, number][] = [['store, 1 event (baseline)', 1]];
  for (const size of [100, 1000]) for (const [name] of variants) cells.push([name, size]);
  const appenderOf = (name: string) => variants.find(([n]) => n === name)?.[1] ?? variants[0][1];
  for (const [name, size] of cells) await appendLoop(appenderOf(name), size, 0.3); // warm-up
  const totals = new Map<string, { events: number; transactions: number; seconds: number }>();
  for (let round = 0; round < rounds; round++) {
    const order = cells.map((_, i) => cells[(i + round * 3) % cells.length]);
    for (const [name, size] of order) {
      const run = await appendLoop(appenderOf(name), size, seconds);
      const key = `${name}|${size}`;
      const t = totals.get(key) ?? { events: 0, transactions: 0, seconds: 0 };
      totals.set(key, {
        events: t.events + run.events,
        transactions: t.transactions + run.transactions,
        seconds: t.seconds + run.seconds,
      });
    }
  }
  const rate = (key: string) => totals.get(key)!.events / totals.get(key)!.seconds;
  const baseline = rate(`${cells[0][0]}|1`);
  console.log(`\nrow insert variants, ${rounds} interleaved rounds of ${seconds}s per variant and size`);
  console.log(`baseline (store, 1 event per transaction): ${Math.round(baseline)} events/s`);
  console.log('events/tx | variant | events/s | avg ms/tx | × baseline | × json (same size)');
  for (const size of [100, 1000]) {
    const json = rate(`json|${size}`);
    for (const [name] of variants) {
      const key = `${name}|${size}`;
      const t = totals.get(key)!;
      console.log(
        [
          size,
          name,
          Math.round(rate(key)),
          ((t.seconds * 1000) / t.transactions).toFixed(2),
          (rate(key) / baseline).toFixed(1),
          (rate(key) / json).toFixed(2),
        ].join(' | '),
      );
    }
  }
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

    const client = await db.pool.connect();
    try {
      await compareVariants(store, client);
    } finally {
      client.release();
    }
  } finally {
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
