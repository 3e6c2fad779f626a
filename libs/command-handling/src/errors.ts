/** The version kept moving under the handler for every allowed attempt; the caller may redeliver later. */
export class ConflictRetriesExhaustedError extends Error {
  readonly code = 'COMMAND_HANDLING.RETRIES_EXHAUSTED';

  constructor(
    readonly attempts: number,
    readonly lastConflict: Error,
  ) {
    super(`gave up after ${attempts} attempts on version conflicts: ${lastConflict.message}`);
    this.name = 'ConflictRetriesExhaustedError';
  }
}
