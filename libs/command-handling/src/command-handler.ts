import { randomUUID } from 'node:crypto';
import type { EventMetadata, EventStore, RecordedEvent } from '@libs/event-store';
import { retryOnVersionConflict } from './conflict-retry';
import type { Decider, DomainEvent } from './decider';
import { deterministicEventId } from './deterministic-event-id';
import { toEventToAppend } from './event-envelope';
import { resolveOptions, type CommandHandlingOptions, type ResolvedOptions } from './options';
import {
  crossesSnapshotBoundary,
  loadStreamState,
  storedOutcome,
  toDomainEvent,
  type StreamState,
} from './stream-state';

export interface HandleOptions {
  /**
   * Makes the command idempotent: event ids derive from it, and a command already applied returns its first
   * outcome (`duplicate: true`) instead of being decided again. Without it, event ids are random.
   */
  commandId?: string;
  metadata?: EventMetadata;
}

export interface CommandResult<S, E> {
  streamId: string;
  /** The command's events: new ones, or on a duplicate the ones stored by its first delivery. */
  events: E[];
  recorded: RecordedEvent[];
  state: S;
  version: number;
  duplicate: boolean;
  attempts: number;
}

/**
 * Handles one command on one stream: load (snapshot + tail), decide, append at the loaded version. A version
 * conflict means another writer got in first: reload and decide again, a bounded number of times.
 * No app decides one command at a time (the inventory service uses BatchCommandHandler); this stays because
 * bench/stream-load.bench.ts measures loading a long stream with and without snapshots through it.
 */
export class CommandHandler<C, S, E extends DomainEvent> {
  private readonly options: ResolvedOptions;

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<C, S, E>,
    options: CommandHandlingOptions,
  ) {
    this.options = resolveOptions(options);
  }

  load(streamId: string): Promise<StreamState<S>> {
    return loadStreamState(
      this.store,
      this.decider,
      streamId,
      this.options.snapshotType,
      this.options.readPageSize,
    );
  }

  handle(streamId: string, command: C, options: HandleOptions = {}): Promise<CommandResult<S, E>> {
    const { commandId, metadata } = options;
    const idOf = (index: number) =>
      commandId === undefined ? randomUUID() : deterministicEventId(streamId, commandId, index);
    return retryOnVersionConflict(this.options.maxAttempts, this.options.retryBackoffMs, async (attempts) => {
      const current = await this.load(streamId);
      if (commandId !== undefined) {
        const prior = await this.priorOutcome(streamId, idOf);
        if (prior.length > 0) {
          return { streamId, ...current, ...this.outcome(prior), duplicate: true, attempts };
        }
      }
      const events = this.decider.decide(command, current.state);
      if (events.length === 0) {
        return { streamId, ...current, events, recorded: [], duplicate: false, attempts };
      }
      const state = events.reduce((s, e) => this.decider.evolve(s, e), current.state);
      const appended = await this.store.appendToStream(
        streamId,
        current.version,
        events.map((e, i) => toEventToAppend(e, idOf(i), commandId, metadata)),
      );
      if (appended.duplicate) {
        // Stored by a concurrent delivery of the same command after our check: report that outcome.
        return {
          streamId,
          ...(await this.load(streamId)),
          ...this.outcome(appended.events),
          duplicate: true,
          attempts,
        };
      }
      await this.snapshotIfDue(streamId, current.version, appended.nextExpectedVersion, state);
      return {
        streamId,
        events,
        recorded: appended.events,
        state,
        version: appended.nextExpectedVersion,
        duplicate: false,
        attempts,
      };
    });
  }

  private async priorOutcome(streamId: string, idOf: (index: number) => string): Promise<RecordedEvent[]> {
    const [first] = await this.store.readEventsByIds([idOf(0)]);
    return first && first.streamId === streamId ? storedOutcome(this.store, streamId, first, idOf) : [];
  }

  private outcome(recorded: RecordedEvent[]): { events: E[]; recorded: RecordedEvent[] } {
    return { events: recorded.map((r) => toDomainEvent<E>(r)), recorded };
  }

  private async snapshotIfDue(streamId: string, before: number, after: number, state: S): Promise<void> {
    if (!crossesSnapshotBoundary(before, after, this.options.snapshotEvery)) return;
    await saveSnapshotQuietly(this.store, this.options, streamId, after, state);
  }
}

export async function saveSnapshotQuietly<S>(
  store: EventStore,
  options: ResolvedOptions,
  streamId: string,
  version: number,
  state: S,
): Promise<void> {
  try {
    await store.saveSnapshot({ streamId, type: options.snapshotType, version, state });
  } catch (error) {
    options.onSnapshotError?.(error, streamId);
  }
}
