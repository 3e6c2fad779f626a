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
  recall?: {
    keysFor(command: Command, state: State): string[];
    withHistory(command: Command, state: State, history: readonly Event[]): Command;
  };
}
