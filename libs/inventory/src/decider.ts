/** The shape every aggregate of the engine follows: pure functions, "now" carried by the command. */
export interface Decider<Command, State, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}
