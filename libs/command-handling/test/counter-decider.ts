import type { Decider } from '@libs/command-handling';

/** A toy aggregate: a total that never goes below zero; a rejection is an event too. */
export type CounterCommand = { type: 'Add'; amount: number } | { type: 'Explode' } | { type: 'Nothing' };

export type CounterEvent =
  | { type: 'Added'; data: { amount: number } }
  | { type: 'Rejected'; data: { amount: number; reason: 'would_go_negative' } };

export interface CounterState {
  total: number;
  events: number;
}

export const counterDecider: Decider<CounterCommand, CounterState, CounterEvent> = {
  initialState: () => ({ total: 0, events: 0 }),
  decide(command, state) {
    switch (command.type) {
      case 'Add':
        return state.total + command.amount < 0
          ? [{ type: 'Rejected', data: { amount: command.amount, reason: 'would_go_negative' } }]
          : [{ type: 'Added', data: { amount: command.amount } }];
      case 'Explode':
        throw new Error('decider bug');
      case 'Nothing':
        return [];
      default: {
        const unknown: never = command;
        throw new Error(`unknown command ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'Added':
        return { total: state.total + event.data.amount, events: state.events + 1 };
      case 'Rejected':
        return { ...state, events: state.events + 1 };
      default: {
        const unknown: never = event;
        throw new Error(`unknown event ${JSON.stringify(unknown)}`);
      }
    }
  },
};

export const add = (amount: number): CounterCommand => ({ type: 'Add', amount });
