import fc from 'fast-check';
import {
  ACTION_KINDS,
  decide,
  evolve,
  isClosed,
  type Ticket,
  type TicketCommand,
  type TicketEvent,
  TICKET_STATES,
  type TicketState,
} from './ticket';

const at = new Date('2026-11-30T12:00:00.000Z');
const actor = 'operator-1';

const opened: TicketEvent = {
  type: 'TicketOpened',
  actor,
  at,
  ticket: {
    id: 't1',
    channel: 'shop',
    channelOrderId: 'o1',
    sku: 'S1',
    source: 'operator',
    platformCaseId: null,
    reasonCode: 'INVALID_KEY',
    summary: 'the buyer says the key is already used',
    state: 'open',
    openedBy: actor,
    openedAt: at,
    updatedAt: at,
    resolution: null,
  },
};
const moved = (from: TicketState, to: TicketState, note: string | null = 'why'): TicketEvent => ({
  type: 'TicketMoved',
  from,
  to,
  note,
  actor,
  at,
});
const move = (to: TicketState, note?: string): TicketCommand => ({ type: 'MoveTicket', to, note, actor, at });

/** given(events).when(command).then(events) | .refused(code) */
function given(events: TicketEvent[]) {
  const state = events.reduce<Ticket | undefined>(evolve, undefined);
  return {
    when: (command: TicketCommand) => {
      const decision = decide(command, state);
      return {
        then: (expected: TicketEvent[]) => expect(decision).toEqual({ ok: true, events: expected }),
        refused: (code: string) => {
          expect(decision.ok).toBe(false);
          if (!decision.ok) expect(decision.refusal.code).toBe(code);
        },
      };
    },
  };
}

describe('ticket decider', () => {
  describe('when there is no ticket', () => {
    it('opens one, in state open, with who opened it', () => {
      const { ticket } = opened as Extract<TicketEvent, { type: 'TicketOpened' }>;
      const { state: _s, openedBy: _b, openedAt: _a, updatedAt: _u, resolution: _r, ...asked } = ticket;
      given([]).when({ type: 'OpenTicket', ticket: asked, actor, at }).then([opened]);
    });

    it('refuses a move or an action: TICKET.NOT_FOUND', () => {
      given([]).when(move('waiting-buyer')).refused('TICKET.NOT_FOUND');
      given([])
        .when({ type: 'LinkAction', kind: 'refund', ref: 'r1', actor, at })
        .refused('TICKET.NOT_FOUND');
    });
  });

  describe('when open', () => {
    it('waits for the buyer, with the note', () => {
      given([opened])
        .when(move('waiting-buyer', 'asked for a screenshot'))
        .then([moved('open', 'waiting-buyer', 'asked for a screenshot')]);
    });

    it('refuses to open it again: TICKET.ALREADY_EXISTS', () => {
      given([opened])
        .when({ type: 'OpenTicket', ticket: { ...(opened as { ticket: Ticket }).ticket }, actor, at })
        .refused('TICKET.ALREADY_EXISTS');
    });

    it('refuses a move to the state it is in: TICKET.INVALID_TRANSITION', () => {
      given([opened]).when(move('open')).refused('TICKET.INVALID_TRANSITION');
    });

    it('refuses to resolve or reject without a note: TICKET.RESOLUTION_REQUIRED', () => {
      given([opened]).when(move('resolved')).refused('TICKET.RESOLUTION_REQUIRED');
      given([opened]).when(move('rejected', '   ')).refused('TICKET.RESOLUTION_REQUIRED');
    });

    it('links an action with its reference', () => {
      given([opened])
        .when({
          type: 'LinkAction',
          kind: 'void-and-replace',
          ref: 'unit-7',
          note: 'key was used',
          actor,
          at,
        })
        .then([
          { type: 'ActionLinked', kind: 'void-and-replace', ref: 'unit-7', note: 'key was used', actor, at },
        ]);
    });

    it('resolves with the note as its resolution', () => {
      const state = [opened, moved('open', 'resolved', 'replaced the key')].reduce<Ticket | undefined>(
        evolve,
        undefined,
      );
      expect(state).toMatchObject({ state: 'resolved', resolution: 'replaced the key' });
    });
  });

  describe('when waiting for the buyer', () => {
    it('goes back to open when the buyer answers', () => {
      given([opened, moved('open', 'waiting-buyer')])
        .when(move('open', 'buyer sent the screenshot'))
        .then([moved('waiting-buyer', 'open', 'buyer sent the screenshot')]);
    });
  });

  describe('when resolved or rejected', () => {
    it.each(['resolved', 'rejected'] as const)(
      '%s: refuses every move and action with TICKET.CLOSED',
      (closed) => {
        const history = [opened, moved('open', closed, 'done')];
        for (const to of TICKET_STATES) given(history).when(move(to, 'again')).refused('TICKET.CLOSED');
        given(history)
          .when({ type: 'LinkAction', kind: 'note', ref: '-', actor, at })
          .refused('TICKET.CLOSED');
      },
    );
  });

  describe('properties', () => {
    const command = fc.oneof(
      fc.record({
        type: fc.constant('MoveTicket' as const),
        to: fc.constantFrom(...TICKET_STATES),
        note: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
        actor: fc.constant(actor),
        at: fc.constant(at),
      }),
      fc.record({
        type: fc.constant('LinkAction' as const),
        kind: fc.constantFrom(...ACTION_KINDS),
        ref: fc.string({ minLength: 1, maxLength: 5 }),
        actor: fc.constant(actor),
        at: fc.constant(at),
      }),
    );

    it('nothing leaves resolved or rejected, and every refusal has a stable code', () => {
      fc.assert(
        fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
          let ticket = evolve(undefined, opened);
          let closedAs: TicketState | undefined;
          for (const c of commands) {
            const decision = decide(c, ticket);
            if (!decision.ok) {
              expect(decision.refusal.code).toMatch(
                /^TICKET\.(NOT_FOUND|ALREADY_EXISTS|CLOSED|INVALID_TRANSITION|RESOLUTION_REQUIRED)$/,
              );
              if (closedAs) expect(decision.refusal.code).toBe('TICKET.CLOSED');
              continue;
            }
            // A closed ticket never decides anything again.
            expect(closedAs).toBeUndefined();
            ticket = decision.events.reduce(evolve, ticket);
            if (isClosed(ticket.state)) closedAs = ticket.state;
          }
          if (closedAs) expect(ticket.state).toBe(closedAs);
        }),
      );
    });

    it('a closed ticket always has its resolution', () => {
      fc.assert(
        fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
          let ticket = evolve(undefined, opened);
          for (const c of commands) {
            const decision = decide(c, ticket);
            if (decision.ok) ticket = decision.events.reduce(evolve, ticket);
          }
          if (isClosed(ticket.state)) expect(ticket.resolution?.trim()).toBeTruthy();
        }),
      );
    });
  });
});
