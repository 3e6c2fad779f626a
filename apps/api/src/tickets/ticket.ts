/*
 * After-sales tickets: the decider. Pure functions over plain data, no framework: the repository loads a ticket,
 * asks `decide`, stores the events it returns and folds them with `evolve`. Time and the actor come in through the
 * command.
 */

export const TICKET_STATES = ['open', 'waiting-buyer', 'waiting-platform', 'resolved', 'rejected'] as const;
export type TicketState = (typeof TICKET_STATES)[number];

/** A closed ticket never moves again: its answer may already have been sent to the platform. */
export const CLOSED_STATES: readonly TicketState[] = ['resolved', 'rejected'];

export const TICKET_SOURCES = ['operator', 'platform'] as const;
export type TicketSource = (typeof TICKET_SOURCES)[number];

/** What an operator did about the ticket, recorded with a reference (a unit id, a command id, a refund id). */
export const ACTION_KINDS = ['void-and-replace', 'refund', 'redeliver', 'redeem', 'note'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** Bounds shared by the routes, the table and the topic. */
export const MAX_SUMMARY_LENGTH = 2000;
export const MAX_NOTE_LENGTH = 2000;
export const MAX_REF_LENGTH = 200;
/** The same rule as the topic's AFTER_SALES_REASON: a platform's reason is stored as it arrives. */
export const REASON_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

export type TicketRefusalCode =
  | 'TICKET.NOT_FOUND'
  | 'TICKET.ALREADY_EXISTS'
  | 'TICKET.CLOSED'
  | 'TICKET.INVALID_TRANSITION'
  | 'TICKET.RESOLUTION_REQUIRED';

export interface TicketRefusal {
  code: TicketRefusalCode;
  message: string;
}

export interface Ticket {
  id: string;
  channel: string;
  channelOrderId: string;
  sku: string | null;
  source: TicketSource;
  platformCaseId: string | null;
  reasonCode: string;
  summary: string;
  state: TicketState;
  openedBy: string;
  openedAt: Date;
  updatedAt: Date;
  resolution: string | null;
}

export type OpenTicket = {
  type: 'OpenTicket';
  ticket: Omit<Ticket, 'state' | 'openedAt' | 'updatedAt' | 'resolution' | 'openedBy'>;
  actor: string;
  at: Date;
};
export type MoveTicket = { type: 'MoveTicket'; to: TicketState; note?: string; actor: string; at: Date };
export type LinkAction = {
  type: 'LinkAction';
  kind: ActionKind;
  ref: string;
  note?: string;
  actor: string;
  at: Date;
};
export type TicketCommand = OpenTicket | MoveTicket | LinkAction;

export type TicketOpened = { type: 'TicketOpened'; ticket: Ticket; actor: string; at: Date };
export type TicketMoved = {
  type: 'TicketMoved';
  from: TicketState;
  to: TicketState;
  note: string | null;
  actor: string;
  at: Date;
};
export type ActionLinked = {
  type: 'ActionLinked';
  kind: ActionKind;
  ref: string;
  note: string | null;
  actor: string;
  at: Date;
};
export type TicketEvent = TicketOpened | TicketMoved | ActionLinked;

export type Decision = { ok: true; events: TicketEvent[] } | { ok: false; refusal: TicketRefusal };

/**
 * Where a ticket may go from each open state. Back to `open` is allowed (the buyer answered); every open state may
 * be closed. Closed states have no row: nothing leaves them.
 */
const NEXT: Record<Exclude<TicketState, 'resolved' | 'rejected'>, readonly TicketState[]> = {
  open: ['waiting-buyer', 'waiting-platform', 'resolved', 'rejected'],
  'waiting-buyer': ['open', 'waiting-platform', 'resolved', 'rejected'],
  'waiting-platform': ['open', 'waiting-buyer', 'resolved', 'rejected'],
};

export function isClosed(state: TicketState): boolean {
  return CLOSED_STATES.includes(state);
}

export function canMove(from: TicketState, to: TicketState): boolean {
  return !isClosed(from) && NEXT[from as keyof typeof NEXT].includes(to);
}

const refuse = (code: TicketRefusalCode, message: string): Decision => ({
  ok: false,
  refusal: { code, message },
});

export function decide(command: TicketCommand, ticket: Ticket | undefined): Decision {
  switch (command.type) {
    case 'OpenTicket': {
      if (ticket) return refuse('TICKET.ALREADY_EXISTS', `ticket ${ticket.id} exists`);
      const opened: Ticket = {
        ...command.ticket,
        state: 'open',
        openedBy: command.actor,
        openedAt: command.at,
        updatedAt: command.at,
        resolution: null,
      };
      return {
        ok: true,
        events: [{ type: 'TicketOpened', ticket: opened, actor: command.actor, at: command.at }],
      };
    }
    case 'MoveTicket': {
      if (!ticket) return refuse('TICKET.NOT_FOUND', 'no such ticket');
      if (isClosed(ticket.state))
        return refuse(
          'TICKET.CLOSED',
          `ticket ${ticket.id} is ${ticket.state}; a closed ticket does not move`,
        );
      if (!canMove(ticket.state, command.to))
        return refuse(
          'TICKET.INVALID_TRANSITION',
          `a ticket cannot go from ${ticket.state} to ${command.to}`,
        );
      // The note of a closing move is the resolution the platform (or the buyer) is told.
      if (isClosed(command.to) && !command.note?.trim())
        return refuse(
          'TICKET.RESOLUTION_REQUIRED',
          `a note saying why is needed to make a ticket ${command.to}`,
        );
      return {
        ok: true,
        events: [
          {
            type: 'TicketMoved',
            from: ticket.state,
            to: command.to,
            note: command.note ?? null,
            actor: command.actor,
            at: command.at,
          },
        ],
      };
    }
    case 'LinkAction': {
      if (!ticket) return refuse('TICKET.NOT_FOUND', 'no such ticket');
      if (isClosed(ticket.state))
        return refuse('TICKET.CLOSED', `ticket ${ticket.id} is ${ticket.state}; open a new one`);
      return {
        ok: true,
        events: [
          {
            type: 'ActionLinked',
            kind: command.kind,
            ref: command.ref,
            note: command.note ?? null,
            actor: command.actor,
            at: command.at,
          },
        ],
      };
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

export function evolve(ticket: Ticket | undefined, event: TicketEvent): Ticket {
  switch (event.type) {
    case 'TicketOpened':
      return event.ticket;
    case 'TicketMoved':
      if (!ticket) throw new Error('TicketMoved before TicketOpened');
      return {
        ...ticket,
        state: event.to,
        updatedAt: event.at,
        resolution: isClosed(event.to) ? event.note : ticket.resolution,
      };
    case 'ActionLinked':
      if (!ticket) throw new Error('ActionLinked before TicketOpened');
      return { ...ticket, updatedAt: event.at };
    default: {
      const never: never = event;
      return never;
    }
  }
}
