/** The shape every aggregate of the engine follows: pure functions, "now" carried by the command. */
export interface Decider<Command, State, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
  /** Optional: tidies a state read back from a snapshot (JSON.parse) before it is used. */
  revive?(state: State): State;
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
    mergeable(events: readonly Event[]): boolean;
    merge(events: readonly Event[]): Event;
  };
  recall?: {
    keysFor(command: Command, state: State): string[];
    withHistory(command: Command, state: State, history: readonly Event[]): Command;
  };
}
