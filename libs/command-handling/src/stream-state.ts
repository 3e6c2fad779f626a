import type { EventStore, RecordedEvent } from '@libs/event-store';
import type { Decider, DomainEvent } from './decider';

export interface StreamState<S> {
  state: S;
  /** The version the state reflects; the expected version of the next append. */
  version: number;
}

export function toDomainEvent<E extends DomainEvent>(recorded: RecordedEvent): E {
  return { type: recorded.type, data: recorded.data } as E;
}

/** Latest snapshot of the given type, if any, plus every later event, read in pages. */
export async function loadStreamState<C, S, E extends DomainEvent>(
  store: EventStore,
  decider: Decider<C, S, E>,
  streamId: string,
  snapshotType: string,
  pageSize: number,
): Promise<StreamState<S>> {
  const snapshot = await store.loadSnapshot(streamId, snapshotType);
  let state = snapshot
    ? (decider.revive?.(snapshot.state as S) ?? (snapshot.state as S))
    : decider.initialState();
  let version = snapshot?.version ?? 0;
  for (;;) {
    const page = await store.readStream(streamId, { fromVersion: version + 1, maxCount: pageSize });
    for (const event of page) state = decider.evolve(state, toDomainEvent<E>(event));
    if (page.length > 0) version = page[page.length - 1].version;
    if (page.length < pageSize) return { state, version };
  }
}

/** True when going from `before` to `after` passes a multiple of `every`. */
export function crossesSnapshotBoundary(before: number, after: number, every: number): boolean {
  return every > 0 && Math.floor(after / every) > Math.floor(before / every);
}

/**
 * The events a command stored on an earlier delivery, found through their deterministic ids. Returns [] when the
 * command never produced an event here.
 */
export async function storedOutcome(
  store: EventStore,
  streamId: string,
  first: RecordedEvent,
  idOf: (index: number) => string,
): Promise<RecordedEvent[]> {
  const following = await store.readStream(streamId, { fromVersion: first.version, maxCount: 1_000 });
  const outcome: RecordedEvent[] = [];
  for (const event of following) {
    if (event.eventId !== idOf(outcome.length)) break;
    outcome.push(event);
  }
  return outcome;
}
