import type { StreamState } from './stream-state';

/**
 * The last committed state of recently written streams, so a hot stream is not reloaded (snapshot + tail) for
 * every batch. Safe because every append still names the version the state reflects: if another writer moved
 * the stream, the append conflicts, the handler drops the entry and decides again on reloaded state.
 * Least recently used entries are evicted beyond `capacity`.
 */
export class StreamStateCache<S> {
  private readonly entries = new Map<string, StreamState<S>>();

  constructor(private readonly capacity = 10_000) {}

  get(streamId: string): StreamState<S> | undefined {
    const hit = this.entries.get(streamId);
    if (hit) {
      this.entries.delete(streamId);
      this.entries.set(streamId, hit);
    }
    return hit;
  }

  set(streamId: string, state: StreamState<S>): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, state);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }

  get size(): number {
    return this.entries.size;
  }
}
