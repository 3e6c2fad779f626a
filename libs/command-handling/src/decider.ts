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
  recall?: {
    keysFor(command: C, state: S): string[];
    withHistory(command: C, state: S, history: readonly E[]): C;
  };
}
