/**
 * Time to load a 100,000-event stream into decider state, from events alone and from the latest snapshot plus
 * its tail, through the command handler's loader. Creates and drops its own database on DATABASE_URL.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     npx ts-node --transpile-only -r tsconfig-paths/register bench/stream-load.bench.ts
 */
import { randomUUID } from 'node:crypto';
import { CommandHandler, type Decider } from '@libs/command-handling';
import { PostgresEventStore } from '@libs/event-store';
import { createTestDatabase } from '@libs/testing';

const STREAM_EVENTS = 100_000;
/** Where the latest snapshot sits: with a snapshot every 100 events the tail is under 100. */
const SNAPSHOT_AT = 99_950;
const REPEATS = 5;
const MAX_SECONDS = 120;

type Sale = { type: 'Sold'; data: { quantity: number; channel: string } };
interface Tally {
  sold: number;
  byChannel: Record<string, number>;
}

const tallyDecider: Decider<never, Tally, Sale> = {
  initialState: () => ({ sold: 0, byChannel: {} }),
  decide: () => [],
  evolve: (state, event) => ({
    sold: state.sold + event.data.quantity,
    byChannel: { ...state.byChannel, [event.data.channel]: (state.byChannel[event.data.channel] ?? 0) + 1 },
  }),
};

const CHANNELS = ['taobao', 'pdd', 'wechat', 'shop'];

async function main(): Promise<void> {
  const deadline = Date.now() + MAX_SECONDS * 1000;
  const db = await createTestDatabase('bench_stream_load', 2);
  db.pool.on('error', () => undefined);
  try {
    const store = await PostgresEventStore.create(db.pool);
    const streamId = `bench-hot-${randomUUID()}`;
    const fill = async (from: number, to: number) => {
      for (let version = from; version < to && Date.now() < deadline;) {
        const n = Math.min(1000, to - version);
        await store.appendToStream(
          streamId,
          version,
          Array.from({ length: n }, (_, k) => ({
            eventId: randomUUID(),
            type: 'Sold',
            data: { quantity: 1, channel: CHANNELS[(version + k) % CHANNELS.length] },
          })),
        );
        version += n;
      }
    };
    const withSnapshots = new CommandHandler(store, tallyDecider, { snapshotType: 'tally.v1' });
    const eventsOnly = new CommandHandler(store, tallyDecider, { snapshotType: 'tally.none' });

    await fill(0, SNAPSHOT_AT);
    const atSnapshot = await eventsOnly.load(streamId);
    await store.saveSnapshot({
      streamId,
      type: 'tally.v1',
      version: atSnapshot.version,
      state: atSnapshot.state,
    });
    await fill(SNAPSHOT_AT, STREAM_EVENTS);
    if ((await store.readStream(streamId, { fromVersion: STREAM_EVENTS })).length !== 1) {
      throw new Error('stream was not filled within the time limit');
    }

    const time = async (handler: typeof eventsOnly) => {
      const samples: number[] = [];
      let result;
      for (let i = 0; i < REPEATS && Date.now() < deadline; i++) {
        const t0 = process.hrtime.bigint();
        result = await handler.load(streamId);
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      if (result?.version !== STREAM_EVENTS || result.state.sold !== STREAM_EVENTS)
        throw new Error('wrong state');
      return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
    };
    const full = await time(eventsOnly);
    const snap = await time(withSnapshots);
    console.log(`load of a ${STREAM_EVENTS}-event stream (median of ${REPEATS})`);
    console.log(`from events only:           ${full.toFixed(1)} ms`);
    console.log(`from snapshot @${SNAPSHOT_AT} + ${STREAM_EVENTS - SNAPSHOT_AT}: ${snap.toFixed(2)} ms`);
    console.log(`ratio: ${(full / snap).toFixed(0)}× faster with snapshots`);
  } finally {
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
