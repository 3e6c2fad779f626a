export interface CommandHandlingOptions {
  /**
   * Names the shape of the decider state in stored snapshots, e.g. `inventory.sku.v1`. Change it whenever the
   * state shape changes: older snapshots are then ignored and rebuilt from events.
   */
  snapshotType: string;
  /** Save a snapshot whenever a stream's version crosses a multiple of this. 0 disables. Default 100. */
  snapshotEvery?: number;
  /** Attempts per command or batch, the first included. Default 5. */
  maxAttempts?: number;
  /** Retry n waits a random time up to min(base · 2^(n-1), 200 ms). Default 5 ms. */
  retryBackoffMs?: number;
  /** Events per read when replaying a stream's tail. Default 1,000. */
  readPageSize?: number;
  /** A snapshot is an optimisation: a failed save is reported here and never fails the command. */
  onSnapshotError?(error: unknown, streamId: string): void;
  /** Told how many lookup keys a batch read back from the store for records its states no longer hold. */
  onRecall?(keys: number): void;
}

export interface ResolvedOptions extends Required<
  Omit<CommandHandlingOptions, 'onSnapshotError' | 'onRecall'>
> {
  onSnapshotError?(error: unknown, streamId: string): void;
  onRecall?(keys: number): void;
}

export function resolveOptions(options: CommandHandlingOptions): ResolvedOptions {
  const resolved = {
    snapshotEvery: 100,
    maxAttempts: 5,
    retryBackoffMs: 5,
    readPageSize: 1_000,
    ...options,
  };
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new Error('command handling: maxAttempts must be an integer of at least 1');
  }
  if (!Number.isInteger(resolved.snapshotEvery) || resolved.snapshotEvery < 0) {
    throw new Error('command handling: snapshotEvery must be a non-negative integer');
  }
  return resolved;
}
