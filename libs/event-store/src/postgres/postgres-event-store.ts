import { runMigrations, withTransaction, type Queryable } from '@libs/database';
import type { Pool, PoolClient } from 'pg';
import { isUuid, planStreamAppend, validateAppends, type AppendPlan } from '../append-rules';
import type { GlobalCheckpoint, ReadAllResult } from '../checkpoint';
import { EventIdConflictError, VersionConflictError } from '../errors';
import { EVENT_LOOKUP_KEY, EVENT_LOOKUP_KEYS, EventStore } from '../event-store';
import type {
  AppendResult,
  EventToAppend,
  ExpectedVersion,
  ReadStreamOptions,
  RecordedEvent,
  Snapshot,
  StreamAppend,
} from '../recorded-event';
import { PollingSubscription, type SubscribeOptions, type Subscription } from '../subscription';
import { WakeSignal } from '../wake-signal';
import { eventStoreMigrations } from './event-store.migrations';
import { EVENT_COLUMNS, selectEvents, toRecordedEvent, type EventRow } from './event-rows';

export interface PostgresEventStoreOptions {
  /** Share one signal between stores of one process so a subscription wakes on any of their appends. */
  wakeSignal?: WakeSignal;
}

export async function migrateEventStore(pool: Pool): Promise<number[]> {
  return runMigrations(pool, eventStoreMigrations);
}

/**
 * The event store on PostgreSQL (server or embedded PGlite). Each append transaction locks its streams with
 * advisory locks before it writes anything, so the order of transaction ids on a stream is its version order;
 * readers of the global order stop below the oldest running transaction, so no late commit is ever skipped.
 */
/**
 * readStreamEventsByKey. Two selects, each written to match its index (event-store migrations 3 and 4): as one OR
 * the planner reads the whole stream by (stream_id, version) instead, which is what closing the books must not cost.
 */
export const LOOKUP_BY_KEY_SQL = `SELECT ${EVENT_COLUMNS} FROM events
  WHERE stream_id = $1 AND data ? '${EVENT_LOOKUP_KEY}' AND (data->>'${EVENT_LOOKUP_KEY}') = ANY($2::text[])
 UNION ALL
 SELECT ${EVENT_COLUMNS} FROM events
  WHERE data ? '${EVENT_LOOKUP_KEYS}' AND (data->'${EVENT_LOOKUP_KEYS}') ?| $2::text[] AND stream_id = $1
 ORDER BY version`;

export class PostgresEventStore extends EventStore {
  private readonly appended: WakeSignal;

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    super();
    this.appended = options.wakeSignal ?? new WakeSignal();
  }

  /** Applies pending migrations, then returns the store. */
  static async create(pool: Pool, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    await migrateEventStore(pool);
    return new PostgresEventStore(pool, options);
  }

  async appendToStream(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: EventToAppend[],
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ streamId, expectedVersion, events }]);
    return result;
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    const valid = validateAppends(appends);
    if (valid.length === 0) return [];
    let results: AppendResult[];
    try {
      results = await withTransaction(this.pool, (client) => appendInTransaction(client, valid));
    } catch (error) {
      throw translateUniqueViolation(error, valid);
    }
    if (results.some((r) => !r.duplicate && r.events.length > 0)) this.appended.notify();
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.direction === 'backwards') return this.readStreamBackwards(streamId, options);
    const from = options.fromVersion ?? 1;
    if (options.maxCount === undefined) {
      return selectEvents(this.pool, 'WHERE stream_id = $1 AND version >= $2 ORDER BY version', [
        streamId,
        from,
      ]);
    }
    // Versions have no gaps, so a page is a version range: bounded work whatever plan the statistics suggest
    // (with stale statistics a LIMIT alone sorted every later event of the stream, for every page).
    return selectEvents(
      this.pool,
      'WHERE stream_id = $1 AND version >= $2 AND version < $2 + $3 ORDER BY version LIMIT $3',
      [streamId, from, options.maxCount],
    );
  }

  private async readStreamBackwards(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    // The newest version to return, found on the (stream_id, version) index in the same statement: the stream's
    // last one, or the last one at or below fromVersion (a fromVersion past the end reads from the end).
    const params: unknown[] = [streamId];
    let newest = '(SELECT max(version) FROM events WHERE stream_id = $1)';
    if (options.fromVersion !== undefined) {
      params.push(options.fromVersion);
      newest = '(SELECT max(version) FROM events WHERE stream_id = $1 AND version <= $2)';
    }
    if (options.maxCount === undefined) {
      return selectEvents(
        this.pool,
        `WHERE stream_id = $1 AND version <= ${newest} ORDER BY version DESC`,
        params,
      );
    }
    // Versions have no gaps, so a page is a version range, as forwards: bounded work whatever the statistics say.
    params.push(options.maxCount);
    const count = `$${params.length}::bigint`;
    return selectEvents(
      this.pool,
      `WHERE stream_id = $1 AND version <= ${newest} AND version > ${newest} - ${count}
       ORDER BY version DESC LIMIT ${count}`,
      params,
    );
  }

  async readAll(from: GlobalCheckpoint, maxCount: number): Promise<ReadAllResult> {
    // Everything below the snapshot's xmin has committed or aborted, and no transaction started later can get a
    // lower id: the rows returned here can never be preceded by one that appears afterwards.
    const events = await selectEvents(
      this.pool,
      `WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY transaction_id, global_position
       LIMIT $3`,
      [String(from.transactionId), from.globalPosition, maxCount],
    );
    const last = events[events.length - 1];
    return {
      events,
      checkpoint: last
        ? { transactionId: last.transactionId, globalPosition: last.globalPosition }
        : { ...from },
    };
  }

  async readEventsByIds(eventIds: string[]): Promise<RecordedEvent[]> {
    const ids = eventIds.filter(isUuid).map((id) => id.toLowerCase());
    if (ids.length === 0) return [];
    return selectEvents(
      this.pool,
      'WHERE event_id = ANY($1::uuid[]) ORDER BY transaction_id, global_position',
      [ids],
    );
  }

  async readStreamEventsByKey(streamId: string, keys: string[]): Promise<RecordedEvent[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.pool.query<EventRow>(LOOKUP_BY_KEY_SQL, [streamId, [...new Set(keys)]]);
    return rows.map(toRecordedEvent);
  }

  subscribe(options: SubscribeOptions): Subscription {
    return new PollingSubscription((from, max) => this.readAll(from, max), this.appended, options);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.pool.query(
      `INSERT INTO event_snapshots (stream_id, snapshot_type, version, state) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream_id, snapshot_type) DO UPDATE
         SET version = EXCLUDED.version, state = EXCLUDED.state, created_at = now()
         WHERE event_snapshots.version < EXCLUDED.version`,
      [snapshot.streamId, snapshot.type, snapshot.version, JSON.stringify(snapshot.state)],
    );
  }

  async loadSnapshot(streamId: string, type: string): Promise<Snapshot | null> {
    const { rows } = await this.pool.query<{ version: string; state: unknown }>(
      'SELECT version, state FROM event_snapshots WHERE stream_id = $1 AND snapshot_type = $2',
      [streamId, type],
    );
    if (rows.length === 0) return null;
    return { streamId, type, version: Number(rows[0].version), state: rows[0].state };
  }
}

async function appendInTransaction(client: PoolClient, appends: StreamAppend[]): Promise<AppendResult[]> {
  const { versions, stored } = await lockAndRead(client, appends);
  const plans = appends.map((append) =>
    planStreamAppend(
      append,
      versions.get(append.streamId) ?? 0,
      append.events.flatMap((e) => stored.get(e.eventId) ?? []),
    ),
  );
  const written = await insertEvents(client, appends, plans);
  return appends.map((append, i) => {
    const plan = plans[i];
    if (plan.kind === 'duplicate') {
      const last = plan.events[plan.events.length - 1];
      return {
        streamId: append.streamId,
        events: plan.events,
        nextExpectedVersion: last.version,
        duplicate: true,
      };
    }
    const events = written.get(append.streamId) ?? [];
    return {
      streamId: append.streamId,
      events,
      nextExpectedVersion: plan.firstVersion - 1 + append.events.length,
      duplicate: false,
    };
  });
}

/**
 * First statement of the transaction on purpose: nothing before it may write, or the transaction id would be
 * assigned before the stream locks are held and a stream's global order could disagree with its versions.
 */
async function lockAndRead(
  client: PoolClient,
  appends: StreamAppend[],
): Promise<{ versions: Map<string, number>; stored: Map<string, RecordedEvent> }> {
  const { rows } = await client.query<EventRow & { kind: 'stream' | 'event' }>(
    'SELECT * FROM event_store_begin_append($1::text[], $2::uuid[])',
    [appends.map((a) => a.streamId), appends.flatMap((a) => a.events.map((e) => e.eventId))],
  );
  const versions = new Map<string, number>();
  const stored = new Map<string, RecordedEvent>();
  for (const row of rows) {
    if (row.kind === 'stream') versions.set(row.stream_id, Number(row.version));
    else stored.set(row.event_id, toRecordedEvent(row));
  }
  return { versions, stored };
}

interface InsertedRow {
  event_id: string;
  global_position: string;
  transaction_id: string;
  recorded_at: Date;
}

/** One statement for every event of every stream, plus the stream version bump. */
async function insertEvents(
  db: Queryable,
  appends: StreamAppend[],
  plans: AppendPlan[],
): Promise<Map<string, RecordedEvent[]>> {
  const now = new Date();
  const pending: Omit<RecordedEvent, 'globalPosition' | 'transactionId' | 'recordedAt'>[] = [];
  const streamIds: string[] = [];
  const streamVersions: number[] = [];
  appends.forEach((append, i) => {
    const plan = plans[i];
    if (plan.kind !== 'write' || append.events.length === 0) return;
    append.events.forEach((event, k) =>
      pending.push({
        eventId: event.eventId,
        streamId: append.streamId,
        version: plan.firstVersion + k,
        type: event.type,
        data: event.data ?? null,
        metadata: event.metadata ?? {},
        occurredAt: event.occurredAt ?? now,
      }),
    );
    streamIds.push(append.streamId);
    streamVersions.push(plan.firstVersion - 1 + append.events.length);
  });
  const byStream = new Map<string, RecordedEvent[]>();
  if (pending.length === 0) return byStream;

  // One JSON document for all rows: far cheaper for the client than escaping five parameter arrays element by
  // element, and PostgreSQL parses it in one go.
  const rowsJson = JSON.stringify(
    pending.map((e) => ({
      event_id: e.eventId,
      stream_id: e.streamId,
      version: e.version,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      occurred_at: e.occurredAt,
    })),
  );
  const { rows } = await db.query<InsertedRow>(
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
    [rowsJson, streamIds, streamVersions],
  );
  const positions = new Map(rows.map((r) => [r.event_id, r]));
  for (const event of pending) {
    const row = positions.get(event.eventId)!;
    const recorded: RecordedEvent = {
      ...event,
      // What a later read returns: jsonb normalises the data (key order, undefined members dropped).
      data: JSON.parse(JSON.stringify(event.data)),
      metadata: JSON.parse(JSON.stringify(event.metadata)),
      recordedAt: row.recorded_at,
      globalPosition: Number(row.global_position),
      transactionId: Number(row.transaction_id),
    };
    const list = byStream.get(event.streamId) ?? [];
    list.push(recorded);
    byStream.set(event.streamId, list);
  }
  return byStream;
}

/**
 * The stream locks make these unreachable between writers of this store; they guard against any other writer.
 * A duplicate event id can still arrive from a concurrent append to another stream (not covered by our locks).
 */
function translateUniqueViolation(error: unknown, appends: StreamAppend[]): unknown {
  const pgError = error as { code?: string; constraint?: string; detail?: string };
  if (pgError.code !== '23505') return error;
  if (pgError.constraint === 'events_event_id_key') {
    const id = /\(event_id\)=\(([0-9a-f-]+)\)/.exec(pgError.detail ?? '')?.[1] ?? 'unknown';
    const owner = appends.find((a) => a.events.some((e) => e.eventId === id));
    return new EventIdConflictError(owner?.streamId ?? 'unknown', 'other_stream', [id]);
  }
  if (pgError.constraint === 'events_stream_version_key') {
    const match = /\(stream_id, version\)=\((.*), (\d+)\)/.exec(pgError.detail ?? '');
    const append = appends.find((a) => a.streamId === match?.[1]) ?? appends[0];
    return new VersionConflictError(append.streamId, append.expectedVersion, match ? Number(match[2]) : -1);
  }
  return error;
}
