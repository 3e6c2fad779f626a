import type { StreamState } from './stream-state';

/**
 * The last committed state of recently written streams, so a hot stream is not reloaded (snapshot + tail) for
 * every batch. Safe because every append still names the version the state reflects: if another writer moved
 * the stream, the append conflicts, the handler drops the entry and decides again on reloaded state.
 * Least recently used entries are evicted beyond `capacity`.
 */
export class StreamStateCache<S> {
  private readonly states = new Map<string, StreamState<S>>();

  constructor(private readonly capacity = 10_000) {}

  get(streamId: string): StreamState<S> | undefined {
    const hit = this.states.get(streamId);
    if (hit) {
      this.states.delete(streamId);
      this.states.set(streamId, hit);
    }
    return hit;
  }

  set(streamId: string, state: StreamState<S>): void {
    this.states.delete(streamId);
    this.states.set(streamId, state);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value as string);
  }

  delete(streamId: string): void {
    this.states.delete(streamId);
  }

  /** Every entry, least recently used first, without touching their recency. */
  entries(): IterableIterator<[string, StreamState<S>]> {
    return this.states.entries();
  }

  get size(): number {
    return this.states.size;
  }
}
