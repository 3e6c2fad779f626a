import {
  lookupKeysOf,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '@libs/event-store';
import { BackgroundSnapshots } from './background-snapshots';
import { retryOnVersionConflict } from './conflict-retry';
import type { Decider, DomainEvent } from './decider';
import { deterministicEventId } from './deterministic-event-id';
import { toEventToAppend } from './event-envelope';
import { resolveOptions, type CommandHandlingOptions, type ResolvedOptions } from './options';
import type { StreamStateCache } from './stream-state-cache';
import {
  crossesSnapshotBoundary,
  loadStreamState,
  storedOutcome,
  toDomainEvent,
  type StreamState,
} from './stream-state';

export interface BatchCommand<C> {
  streamId: string;
  command: C;
  /** Required: event ids derive from it, which is what makes a redelivered batch harmless. */
  commandId: string;
  metadata?: EventMetadata;
  /**
   * Optional: sees the events decided for this command before anything is appended. Throwing makes the command
   * `failed` — it changes nothing and the stream's later commands decide without it — so a decision whose
   * answer could not be delivered is refused before it is stored, not discovered after.
   */
  check?(events: readonly DomainEvent[]): void;
}

/**
 * `applied`: decided now (possibly to no events). `duplicate`: applied by an earlier delivery (or earlier in this
 * batch); `events` is that first outcome. `failed`: decide or evolve threw; the command changed nothing.
 */
export type BatchItemStatus = 'applied' | 'duplicate' | 'failed';

export interface BatchItemResult<E> {
  streamId: string;
  commandId: string;
  status: BatchItemStatus;
  events: E[];
  recorded: RecordedEvent[];
  error?: unknown;
}

export interface BatchResult<S, E> {
  /** One per command, in input order. */
  items: BatchItemResult<E>[];
  /** Each stream's state and version after the commit. */
  streams: Map<string, StreamState<S>>;
  attempts: number;
}

interface StreamWork<S, E> {
  loaded: StreamState<S>;
  state: S;
  pending: EventToAppend[];
  /** Loaded from the stream-state cache rather than from the store. */
  fromCache: boolean;
  /** Events of this batch stored as one (Decider.compaction), with the drafts they answer. */
  mergeable: { events: E[]; drafts: AppliedDraft<E>[]; first: BatchCommand<unknown> }[];
}

/** `stored` events from `offset` in the stream's appends are this command's (1 for a merged group). */
interface AppliedDraft<E> {
  status: 'applied';
  events: E[];
  offset: number;
  stored: number;
}

type Draft<E> =
  | AppliedDraft<E>
  | { status: 'duplicate'; prior: RecordedEvent }
  | { status: 'duplicate'; sameAs: number }
  | { status: 'failed'; error: unknown };

/**
 * Handles a batch of commands for many streams as one transaction: each stream's commands are decided in order,
 * each on the state the previous ones left, and every stream's events are appended together. On a version
 * conflict the whole batch is reloaded and decided again, a bounded number of times.
 */
export class BatchCommandHandler<C, S, E extends DomainEvent> {
  private readonly options: ResolvedOptions;
  private readonly snapshots: BackgroundSnapshots<S>;

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<C, S, E>,
    options: CommandHandlingOptions,
    /** Optional: keeps committed states between batches (see StreamStateCache for why that is safe). */
    private readonly cache?: StreamStateCache<S>,
  ) {
    this.options = resolveOptions(options);
    this.snapshots = new BackgroundSnapshots(store, this.options);
  }

  /** Resolves once the snapshots of the batches handled so far are written (they are saved off the command path). */
  snapshotsSettled(): Promise<void> {
    return this.snapshots.settled();
  }

  async handleBatch(commands: BatchCommand<C>[]): Promise<BatchResult<S, E>> {
    if (commands.length === 0) return { items: [], streams: new Map(), attempts: 0 };
    return retryOnVersionConflict(this.options.maxAttempts, this.options.retryBackoffMs, (attempt) =>
      this.attempt(commands, attempt),
    );
  }

  private async attempt(commands: BatchCommand<C>[], attempts: number): Promise<BatchResult<S, E>> {
    // A retry means some stream moved under us: whatever the cache held for this batch is stale.
    if (attempts > 1) for (const c of commands) this.cache?.delete(c.streamId);
    try {
      return await this.decideAndAppend(commands, attempts);
    } catch (error) {
      for (const c of commands) this.cache?.delete(c.streamId);
      throw error;
    }
  }

  private async decideAndAppend(commands: BatchCommand<C>[], attempts: number): Promise<BatchResult<S, E>> {
    const work = await this.loadStreams(commands);
    commands = await this.withRecalledHistory(commands, work);
    // Looked up after loading: a delivery that commits in between moves the version, so our append conflicts
    // and the retry finds it here.
    const firstIds = commands.map((c) => deterministicEventId(c.streamId, c.commandId, 0));
    const prior = new Map((await this.store.readEventsByIds(firstIds)).map((e) => [e.eventId, e]));

    const drafts = this.decideAll(commands, firstIds, prior, work);
    this.appendMerged(work);
    // A cached stream whose commands decided to append nothing is still checked at its version (an append of
    // zero events): a decision to do nothing taken on a stale cached state must be redone like any other.
    const appends = [...work].filter(([, w]) => w.pending.length > 0 || w.fromCache);
    const results = await this.store.appendToStreams(
      appends.map(([streamId, w]) => ({ streamId, expectedVersion: w.loaded.version, events: w.pending })),
    );
    const written = new Map(results.map((r) => [r.streamId, r]));
    const streams = await this.settleStreams(work, written);
    const items = await this.finishItems(commands, drafts, written);
    return { items, streams, attempts };
  }

  private async loadStreams(commands: BatchCommand<C>[]): Promise<Map<string, StreamWork<S, E>>> {
    const streamIds = [...new Set(commands.map((c) => c.streamId))];
    const cached = streamIds.map((id) => this.cache?.get(id));
    const loaded = await Promise.all(
      streamIds.map(
        (id, i) =>
          cached[i] ??
          loadStreamState(this.store, this.decider, id, this.options.snapshotType, this.options.readPageSize),
      ),
    );
    return new Map(
      streamIds.map((id, i) => [
        id,
        {
          loaded: loaded[i],
          state: loaded[i].state,
          pending: [],
          fromCache: cached[i] !== undefined,
          mergeable: [],
        },
      ]),
    );
  }

  /**
   * Commands about records the loaded states no longer hold (see Decider.recall) get those records' events, read
   * with one query per stream. Keys are asked of the state as loaded: a record an earlier command of the batch
   * brings back is asked for again, and the decider ignores what the state already has.
   */
  private async withRecalledHistory(
    commands: BatchCommand<C>[],
    work: Map<string, StreamWork<S, E>>,
  ): Promise<BatchCommand<C>[]> {
    const recall = this.decider.recall;
    if (!recall) return commands;
    const keysOf = commands.map((c) => recall.keysFor(c.command, work.get(c.streamId)!.state));
    const perStream = new Map<string, Set<string>>();
    keysOf.forEach((keys, i) => {
      if (keys.length === 0) return;
      const streamId = commands[i].streamId;
      const set = perStream.get(streamId) ?? new Set<string>();
      for (const key of keys) set.add(key);
      perStream.set(streamId, set);
    });
    if (perStream.size === 0) return commands;
    let lookups = 0;
    for (const keys of perStream.values()) lookups += keys.size;
    this.options.onRecall?.(lookups);
    const histories = new Map(
      await Promise.all(
        [...perStream].map(
          async ([streamId, keys]) =>
            [streamId, await this.store.readStreamEventsByKey(streamId, [...keys])] as const,
        ),
      ),
    );
    return commands.map((c, i) => {
      if (keysOf[i].length === 0) return c;
      const wanted = new Set(keysOf[i]);
      const history = (histories.get(c.streamId) ?? [])
        .filter((e) => lookupKeysOf(e).some((key) => wanted.has(key)))
        .map((e) => toDomainEvent<E>(e));
      return { ...c, command: recall.withHistory(c.command, work.get(c.streamId)!.state, history) };
    });
  }

  private decideAll(
    commands: BatchCommand<C>[],
    firstIds: string[],
    prior: Map<string, RecordedEvent>,
    work: Map<string, StreamWork<S, E>>,
  ): Draft<E>[] {
    const firstSeen = new Map<string, number>();
    return commands.map((command, i): Draft<E> => {
      const earlier = firstSeen.get(firstIds[i]);
      if (earlier !== undefined) return { status: 'duplicate', sameAs: earlier };
      firstSeen.set(firstIds[i], i);
      const stored = prior.get(firstIds[i]);
      if (stored) return { status: 'duplicate', prior: stored };

      const stream = work.get(command.streamId)!;
      try {
        const events = this.decider.decide(command.command, stream.state);
        command.check?.(events);
        const state = events.reduce((s, e) => this.decider.evolve(s, e), stream.state);
        if (events.length > 0 && this.decider.compaction?.mergeable(events)) {
          const draft: AppliedDraft<E> = { status: 'applied', events, offset: -1, stored: 0 };
          const group = stream.mergeable[0] ?? { events: [], drafts: [], first: command };
          stream.mergeable[0] = group;
          group.events.push(...events);
          group.drafts.push(draft);
          stream.state = state;
          return draft;
        }
        const offset = stream.pending.length;
        stream.pending.push(
          ...events.map((e, k) =>
            toEventToAppend(
              e,
              deterministicEventId(command.streamId, command.commandId, k),
              command.commandId,
              command.metadata,
            ),
          ),
        );
        stream.state = state;
        return { status: 'applied', events, offset, stored: events.length };
      } catch (error) {
        // One faulty command must not hold back the rest of the batch; it is reported, not retried.
        return { status: 'failed', error };
      }
    });
  }

  /**
   * Each stream's mergeable events of this batch become one stored event after its others, with the event id the
   * group's first command would have given its own first event: a redelivery finds that command stored, and the
   * others are answered by the state, which remembers them. A group of one is stored as it was decided.
   */
  private appendMerged(work: Map<string, StreamWork<S, E>>): void {
    const compaction = this.decider.compaction;
    for (const [streamId, w] of work) {
      const group = w.mergeable[0];
      if (!group || !compaction) continue;
      const [single] = group.events;
      const event = group.events.length === 1 && single ? single : compaction.merge(group.events);
      const { commandId, metadata } = group.first;
      for (const draft of group.drafts) {
        draft.offset = w.pending.length;
        draft.stored = 1;
      }
      w.pending.push(
        toEventToAppend(event, deterministicEventId(streamId, commandId, 0), commandId, metadata),
      );
    }
  }

  private async settleStreams(
    work: Map<string, StreamWork<S, E>>,
    written: Map<string, AppendResult>,
  ): Promise<Map<string, StreamState<S>>> {
    const streams = new Map<string, StreamState<S>>();
    for (const [streamId, w] of work) {
      const result = written.get(streamId);
      if (!result) {
        streams.set(streamId, w.loaded);
        this.cache?.set(streamId, w.loaded);
      } else if (result.duplicate) {
        // Every event was already stored by a concurrent delivery: our folded state may not be the stream's.
        this.cache?.delete(streamId);
        streams.set(
          streamId,
          await loadStreamState(
            this.store,
            this.decider,
            streamId,
            this.options.snapshotType,
            this.options.readPageSize,
          ),
        );
      } else {
        const version = result.nextExpectedVersion;
        streams.set(streamId, { state: w.state, version });
        this.cache?.set(streamId, { state: w.state, version });
        if (crossesSnapshotBoundary(w.loaded.version, version, this.options.snapshotEvery)) {
          this.snapshots.request(streamId, version, w.state);
        }
      }
    }
    return streams;
  }

  private async finishItems(
    commands: BatchCommand<C>[],
    drafts: Draft<E>[],
    written: Map<string, AppendResult>,
  ): Promise<BatchItemResult<E>[]> {
    const items: BatchItemResult<E>[] = [];
    for (const [i, draft] of drafts.entries()) {
      const { streamId, commandId } = commands[i];
      const base = { streamId, commandId };
      if (draft.status === 'failed') {
        items.push({ ...base, status: 'failed', events: [], recorded: [], error: draft.error });
      } else if (draft.status === 'applied') {
        const stored = written.get(streamId)?.events ?? [];
        const recorded = stored.slice(draft.offset, draft.offset + draft.stored);
        items.push({ ...base, status: 'applied', events: draft.events, recorded });
      } else if ('sameAs' in draft) {
        const first = items[draft.sameAs];
        items.push({ ...base, status: 'duplicate', events: first.events, recorded: first.recorded });
      } else {
        const recorded = await storedOutcome(this.store, streamId, draft.prior, (k) =>
          deterministicEventId(streamId, commandId, k),
        );
        items.push({
          ...base,
          status: 'duplicate',
          events: recorded.map((r) => toDomainEvent<E>(r)),
          recorded,
        });
      }
    }
    return items;
  }
}
