import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '@libs/testing';
import { LOOKUP_BY_KEY_SQL } from '../src/postgres/postgres-event-store';
import { testDatabase } from './test-database';
import { Pool } from 'pg';
import {
  PostgresEventStore,
  VersionConflictError,
  migrateEventStore,
  type GlobalCheckpoint,
  type RecordedEvent,
} from '@libs/event-store';
import {
  endOfLog,
  event,
  eventStoreContract,
  isGlobalOrder,
  range,
  sleep,
  streamId,
  waitFor,
} from './event-store.contract';

eventStoreContract('PostgreSQL', async () => {
  const db = await testDatabase('event_store_contract', 20);
  return { store: await PostgresEventStore.create(db.pool), close: () => db.drop() };
});

describe('PostgresEventStore on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await testDatabase('event_store_pg', 24);
    store = await PostgresEventStore.create(db.pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('applies its migrations once', async () => {
    expect(await migrateEventStore(db.pool)).toEqual([]);
    const { rows } = await db.pool.query(
      "SELECT version FROM schema_migrations WHERE component = 'event-store'",
    );
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
  });

  it("finds a stream's events by lookup key through its indexes, not by reading the stream", async () => {
    // A long stream, with the planner's statistics up to date: the plan a hot SKU's lookups get.
    const s = `sku-lookup-${randomUUID()}`;
    const many = range(20).map((b) =>
      range(250).map((i) => event('Placed', { channelOrderId: `o${b * 250 + i}` })),
    );
    let version = 0;
    for (const events of many) {
      await store.appendToStream(s, version === 0 ? 'no_stream' : version, events);
      version += events.length;
    }
    await store.appendToStream(s, version, [event('ManyRejected', { channelOrderIds: ['x1', 'x2'] })]);
    await db.pool.query('ANALYZE events');
    const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN ${LOOKUP_BY_KEY_SQL}`.replace(/\$1/g, `'${s}'`).replace(/\$2/g, `'{o17,x2}'`),
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('events_stream_lookup_idx');
    expect(plan).toContain('events_lookup_keys_idx');
    expect((await store.readStreamEventsByKey(s, ['o17', 'x2'])).map((e) => e.version)).toEqual([18, 5001]);
  });

  // T8: 64 writers read the same version; one wins, the others conflict and retry until all are in.
  it('gives exactly one winner per version to 64 concurrent writers, with no gaps', async () => {
    const s = streamId();
    await store.appendToStream(s, 'no_stream', [event('Seed')]);
    const firstRound = await Promise.allSettled(
      range(64).map((i) => store.appendToStream(s, 1, [event('W', { i })])),
    );
    expect(firstRound.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(
      firstRound.every((o) => o.status === 'fulfilled' || o.reason instanceof VersionConflictError),
    ).toBe(true);

    const winnersPerWriter = await Promise.all(
      range(64).map(async (i) => {
        for (let attempt = 0; attempt < 500; attempt++) {
          const version = (await store.readStream(s)).length;
          try {
            return (await store.appendToStream(s, version, [event('Retry', { i })])).events[0].version;
          } catch (error) {
            if (!(error instanceof VersionConflictError)) throw error;
            await sleep(Math.random() * 5 * Math.min(attempt + 1, 10));
          }
        }
        throw new Error(`writer ${i} never won`);
      }),
    );
    const versions = (await store.readStream(s)).map((e) => e.version);
    expect(versions).toEqual(range(66).map((i) => i + 1));
    expect(new Set(winnersPerWriter).size).toBe(64);
  });

  // T15: a transaction that took its global position early but commits late must not be skipped.
  it('delivers an event whose transaction commits after later ones, in order, without duplicates', async () => {
    const start = await endOfLog(store);
    const delivered: RecordedEvent[] = [];
    const subscription = store.subscribe({
      from: start,
      pollIntervalMs: 20,
      handle: async (events) => {
        delivered.push(...events);
      },
    });
    const before = streamId();
    await store.appendToStream(before, 'no_stream', [event('BeforeHold')]);
    await waitFor(() => delivered.some((e) => e.streamId === before));

    const held = streamId();
    const heldEvent = event('Held');
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT event_store_lock_streams($1::text[])', [[held]]);
      const { rows } = await holder.query<{ global_position: string }>(
        `INSERT INTO events (event_id, stream_id, version, type, data, occurred_at)
         VALUES ($1, $2, 1, 'Held', '{}', now()) RETURNING global_position`,
        [heldEvent.eventId, held],
      );
      await holder.query('INSERT INTO event_streams (stream_id, version) VALUES ($1, 1)', [held]);

      const later = range(20).map(() => streamId());
      for (const s of later) await store.appendToStream(s, 'no_stream', [event('CommittedFirst')]);
      const laterPositions = (await Promise.all(later.map((s) => store.readStream(s)))).map(
        (e) => e[0].globalPosition,
      );
      expect(Math.min(...laterPositions)).toBeGreaterThan(Number(rows[0].global_position));

      // A position-only reader would deliver these now and never come back for the held one.
      await sleep(300);
      expect(delivered.some((e) => later.includes(e.streamId))).toBe(false);

      await holder.query('COMMIT');
      await waitFor(() => later.every((s) => delivered.some((e) => e.streamId === s)));
    } finally {
      holder.release();
    }
    await subscription.stop();

    const ids = delivered.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(heldEvent.eventId);
    expect(isGlobalOrder(delivered)).toBe(true);
    const heldIndex = delivered.findIndex((e) => e.eventId === heldEvent.eventId);
    expect(delivered.slice(heldIndex + 1).every((e) => e.type === 'CommittedFirst')).toBe(true);
  });

  // The global order is by transaction id; per-stream order must agree with it even when multi-stream
  // transactions race, or a version-guarded projection would drop events.
  it('keeps every stream in version order within the global order under racing multi-stream appends', async () => {
    const start = await endOfLog(store);
    const streams = range(6).map(() => streamId());
    await Promise.all(
      range(200).map(async (i) => {
        const picked = streams.filter((_, k) => (i * 7 + k * 3) % 4 === 0 || k === i % 6).reverse();
        for (let attempt = 0; attempt < 200; attempt++) {
          try {
            await store.appendToStreams(
              picked.map((s) => ({
                streamId: s,
                expectedVersion: 'any' as const,
                events: [event('X', { i })],
              })),
            );
            return;
          } catch (error) {
            if (!(error instanceof VersionConflictError)) throw error;
          }
        }
      }),
    );
    const expected = new Map(streams.map((s) => [s, 0]));
    for (const i of range(200)) {
      streams
        .filter((_, k) => (i * 7 + k * 3) % 4 === 0 || k === i % 6)
        .forEach((s) => expected.set(s, expected.get(s)! + 1));
    }
    // Read until every append is seen: an empty page only means a transaction is still open somewhere on the
    // server (the horizon is the cluster's), not that the log ended.
    const all: RecordedEvent[] = [];
    let checkpoint: GlobalCheckpoint = start;
    const ours = () => all.filter((e) => expected.has(e.streamId)).length;
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const deadline = Date.now() + 10_000;
    while (ours() < total && Date.now() < deadline) {
      const page = await store.readAll(checkpoint, 1000);
      all.push(...page.events);
      checkpoint = page.checkpoint;
      if (page.events.length === 0) await sleep(10);
    }
    for (const s of streams) {
      const seen = all.filter((e) => e.streamId === s);
      const versions = seen.map((e) => e.version);
      // On failure, the transaction ids and positions say which writer overtook which.
      const context = seen.map((e) => `${e.version}@${e.transactionId}/${e.globalPosition}`).join(' ');
      expect({ versions, context }).toEqual({
        versions: range(expected.get(s)!).map((i) => i + 1),
        context,
      });
    }
  });

  it('maps a duplicate id committed concurrently in another stream to EVENT_ID_CONFLICT', async () => {
    const shared = event('Shared');
    const outcomes = await Promise.allSettled(
      range(8).map(() => store.appendToStream(streamId(), 'no_stream', [shared])),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'EVENT_STORE.EVENT_ID_CONFLICT' });
    }
  });

  it('wakes a subscription in the same process without waiting for the poll interval', async () => {
    const start = await endOfLog(store);
    const delivered: string[] = [];
    const subscription = store.subscribe({
      from: start,
      pollIntervalMs: 60_000,
      handle: async (events) => {
        delivered.push(...events.map((e) => e.eventId));
      },
    });
    await sleep(50);
    const e = event('Wake');
    const t0 = Date.now();
    await store.appendToStream(streamId(), 'no_stream', [e]);
    await waitFor(() => delivered.includes(e.eventId), 8_000);
    // Far below the poll interval; not tight, since another open transaction in the cluster can hold it back.
    expect(Date.now() - t0).toBeLessThan(5_000);
    await subscription.stop();
  });

  it('is seen by a second process through polling alone', async () => {
    const other = new PostgresEventStore(new Pool({ connectionString: db.url, max: 2 }));
    const start = await endOfLog(other);
    const delivered: string[] = [];
    const subscription = other.subscribe({
      from: start,
      pollIntervalMs: 25,
      handle: async (events) => {
        delivered.push(...events.map((e) => e.eventId));
      },
    });
    const e = { ...event('Elsewhere'), eventId: randomUUID() };
    await store.appendToStream(streamId(), 'no_stream', [e]);
    await waitFor(() => delivered.includes(e.eventId));
    await subscription.stop();
    await (other as unknown as { pool: Pool }).pool.end();
  });
});
