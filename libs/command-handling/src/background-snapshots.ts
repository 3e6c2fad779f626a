import type { EventStore } from '@libs/event-store';
import { saveSnapshotQuietly } from './command-handler';
import type { ResolvedOptions } from './options';

/**
 * Snapshot writes off the command path. A batch that crosses a snapshot boundary hands its committed state here
 * and returns at once; one writer saves, per stream, only the newest state handed over while it was busy — on a
 * hot stream whole snapshots are skipped rather than queued. A state is never mutated after it is committed
 * (persistent maps), so saving it later writes exactly that version. A snapshot is an optimisation: one not
 * written yet (or lost with the process) only means a longer replay on the next load.
 */
export class BackgroundSnapshots<S> {
  private readonly waiting = new Map<string, { version: number; state: S }>();
  private writing: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly options: ResolvedOptions,
  ) {}

  request(streamId: string, version: number, state: S): void {
    const queued = this.waiting.get(streamId);
    if (queued && queued.version >= version) return;
    this.waiting.set(streamId, { version, state });
    this.writing ??= this.drain();
  }

  /** Resolves once every snapshot handed over so far has been written (or reported as failed). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      for (let next = this.take(); next; next = this.take()) {
        await saveSnapshotQuietly(this.store, this.options, next.streamId, next.version, next.state);
      }
    } finally {
      this.writing = undefined;
    }
  }

  private take(): { streamId: string; version: number; state: S } | undefined {
    const first = this.waiting.entries().next();
    if (first.done) return undefined;
    const [streamId, snapshot] = first.value;
    this.waiting.delete(streamId);
    return { streamId, ...snapshot };
  }
}
