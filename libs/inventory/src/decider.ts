/** The shape every aggregate of the engine follows: pure functions, "now" carried by the command. */
export interface Decider<Command, State, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
  /** Optional: tidies a state read back from a snapshot (JSON.parse) before it is used. */
  revive?(state: State): State;
}
