/** The shape every aggregate's events share: a discriminating type and a JSON payload. */
export interface DomainEvent {
  type: string;
  data: unknown;
}

/**
 * An aggregate as pure functions. State must be plain JSON: snapshots store it with JSON.stringify and hand it
 * back parsed.
 */
export interface Decider<C, S, E extends DomainEvent> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
  /** Optional: tidies a state read back from a snapshot (JSON.parse) before it is used, e.g. shares empty values. */
  revive?(state: S): S;
  /**
   * Optional, for an aggregate that lets old records leave its state (closing the books): the lookup keys of the
   * stream events a command needs read back because the state no longer holds them (see
   * EventStore.readStreamEventsByKey), and the command with those events handed to it. Without it, or with no
   * keys, the command is decided on the state alone.
   */
  /**
   * Optional: commands whose events are `mergeable` (each command's own list) have them stored together, one
   * event per stream and batch made by `merge` in command order, appended after that batch's other events of the
   * stream. Evolving the merged event must equal evolving the parts in order, wherever it lands in the batch.
   */
  compaction?: {
    mergeable(events: readonly E[]): boolean;
    merge(events: readonly E[]): E;
  };
  recall?: {
    keysFor(command: C, state: S): string[];
    withHistory(command: C, state: S, history: readonly E[]): C;
  };
}
