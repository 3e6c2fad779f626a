import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Queryable, withTransaction } from '@libs/database';
import { PG_POOL } from '@libs/runtime';
import type { Pool, PoolClient } from 'pg';
import {
  type ActionKind,
  decide,
  evolve,
  isClosed,
  type Ticket,
  type TicketCommand,
  type TicketEvent,
  type TicketRefusal,
  type TicketSource,
  type TicketState,
} from './ticket';

/** A refusal of the decider, thrown on the request path; the controller renders its stable code. */
export class TicketRefusedError extends Error {
  constructor(readonly refusal: TicketRefusal) {
    super(refusal.message);
    this.name = 'TicketRefusedError';
  }
}

export interface TicketEventRow {
  seq: number;
  type: 'opened' | 'moved' | 'action';
  from: TicketState | null;
  to: TicketState | null;
  action: { kind: ActionKind; ref: string } | null;
  note: string | null;
  actor: string;
  at: Date;
}

export interface OpenTicketInput {
  channel: string;
  channelOrderId: string;
  sku?: string | null;
  source: TicketSource;
  platformCaseId?: string | null;
  reasonCode: string;
  summary: string;
  actor: string;
  at?: Date;
}

export interface TicketListFilter {
  state?: TicketState;
  channel?: string;
  /** Only tickets opened at least this long ago. */
  olderThanMinutes?: number;
  limit: number;
  /** From the previous page's `nextCursor`. */
  after?: { openedAt: Date; id: string };
}

export type TicketChange =
  | { type: 'move'; to: TicketState; note?: string }
  | { type: 'action'; kind: ActionKind; ref: string; note?: string };

interface TicketRow {
  id: string;
  channel: string;
  channel_order_id: string;
  sku: string | null;
  source: TicketSource;
  platform_case_id: string | null;
  reason_code: string;
  summary: string;
  state: TicketState;
  opened_by: string;
  opened_at: Date;
  updated_at: Date;
  resolution: string | null;
}

const TICKET_COLUMNS = `id, channel, channel_order_id, sku, source, platform_case_id, reason_code, summary, state,
  opened_by, opened_at, updated_at, resolution`;

/**
 * Tickets in the API's database. Every change is one transaction: the ticket row is locked, the decider decides
 * on it, its events are appended to ticket_events and the row takes the new state. A platform ticket that closes
 * is marked `answer_pending` in the same transaction; TicketAnswers publishes the answer from there.
 */
@Injectable()
export class TicketsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Opens a ticket. A platform case already known (same channel and case id) returns its ticket unchanged with
   * `opened: false`: a notice sent twice opens one ticket.
   */
  async open(input: OpenTicketInput): Promise<{ ticket: Ticket; opened: boolean }> {
    const at = input.at ?? new Date();
    const decision = decide(
      {
        type: 'OpenTicket',
        ticket: {
          id: randomUUID(),
          channel: input.channel,
          channelOrderId: input.channelOrderId,
          sku: input.sku ?? null,
          source: input.source,
          platformCaseId: input.platformCaseId ?? null,
          reasonCode: input.reasonCode,
          summary: input.summary,
        },
        actor: input.actor,
        at,
      },
      undefined,
    );
    if (!decision.ok) throw new TicketRefusedError(decision.refusal);
    const ticket = decision.events.reduce<Ticket | undefined>(evolve, undefined)!;
    return withTransaction(this.pool, async (client) => {
      const inserted = await client.query(
        `INSERT INTO tickets (${TICKET_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (channel, platform_case_id) DO NOTHING`,
        [
          ticket.id,
          ticket.channel,
          ticket.channelOrderId,
          ticket.sku,
          ticket.source,
          ticket.platformCaseId,
          ticket.reasonCode,
          ticket.summary,
          ticket.state,
          ticket.openedBy,
          ticket.openedAt,
          ticket.updatedAt,
          ticket.resolution,
        ],
      );
      if (inserted.rowCount === 0) {
        const { rows } = await client.query<TicketRow>(
          `SELECT ${TICKET_COLUMNS} FROM tickets WHERE channel = $1 AND platform_case_id = $2`,
          [ticket.channel, ticket.platformCaseId],
        );
        return { ticket: fromRow(rows[0]), opened: false };
      }
      await appendEvents(client, ticket.id, 0, decision.events);
      return { ticket, opened: true };
    });
  }

  /** Moves a ticket or links an action to it; throws TicketRefusedError with the decider's code. */
  async change(
    id: string,
    change: TicketChange,
    actor: string,
    at = new Date(),
  ): Promise<{ ticket: Ticket; events: TicketEventRow[] }> {
    const command: TicketCommand =
      change.type === 'move'
        ? { type: 'MoveTicket', to: change.to, note: change.note, actor, at }
        : { type: 'LinkAction', kind: change.kind, ref: change.ref, note: change.note, actor, at };
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<TicketRow>(
        `SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const current = rows[0] ? fromRow(rows[0]) : undefined;
      const decision = decide(command, current);
      if (!decision.ok) throw new TicketRefusedError(decision.refusal);
      const ticket = decision.events.reduce(evolve, current)!;
      const { rows: last } = await client.query<{ seq: number | null }>(
        'SELECT max(seq) AS seq FROM ticket_events WHERE ticket_id = $1',
        [id],
      );
      await appendEvents(client, id, (last[0]?.seq ?? -1) + 1, decision.events);
      await client.query(
        `UPDATE tickets SET state = $2, updated_at = $3, resolution = $4,
                answer_pending = answer_pending OR (source = 'platform' AND $5::boolean)
          WHERE id = $1`,
        [
          id,
          ticket.state,
          ticket.updatedAt,
          ticket.resolution,
          isClosed(ticket.state) && !isClosed(current!.state),
        ],
      );
      return { ticket, events: await readEvents(client, id) };
    });
  }

  async get(id: string): Promise<{ ticket: Ticket; events: TicketEventRow[] } | undefined> {
    const { rows } = await this.pool.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1`, [
      id,
    ]);
    if (!rows[0]) return undefined;
    return { ticket: fromRow(rows[0]), events: await readEvents(this.pool, id) };
  }

  /** Oldest first: the ticket waiting longest is the one to look at. Keyset-paged by (opened_at, id). */
  async list(filter: TicketListFilter): Promise<{ items: Ticket[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (filter.state) where.push(`state = ${param(filter.state)}`);
    if (filter.channel) where.push(`channel = ${param(filter.channel)}`);
    if (filter.olderThanMinutes !== undefined)
      where.push(`opened_at <= now() - ${param(filter.olderThanMinutes)} * interval '1 minute'`);
    if (filter.after)
      where.push(`(opened_at, id) > (${param(filter.after.openedAt)}, ${param(filter.after.id)})`);
    const { rows } = await this.pool.query<TicketRow>(
      `SELECT ${TICKET_COLUMNS} FROM tickets
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY opened_at, id
        LIMIT ${param(filter.limit + 1)}`,
      params,
    );
    const items = rows.slice(0, filter.limit).map(fromRow);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.openedAt, last.id) : null,
    };
  }
}

/** The opaque cursor of a ticket list page: the last ticket's (opened_at, id). */
export function encodeCursor(openedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([openedAt.toISOString(), id])).toString('base64url');
}

/** Undefined for a cursor this API did not make. */
export function decodeCursor(cursor: string): { openedAt: Date; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, id] = value as unknown[];
    const openedAt = new Date(String(at));
    if (typeof at !== 'string' || typeof id !== 'string' || Number.isNaN(openedAt.getTime()))
      return undefined;
    return { openedAt, id };
  } catch {
    return undefined;
  }
}

async function appendEvents(client: PoolClient, id: string, firstSeq: number, events: TicketEvent[]) {
  let seq = firstSeq;
  for (const e of events) {
    const row =
      e.type === 'TicketOpened'
        ? { type: 'opened', from: null, to: 'open', kind: null, ref: null, note: null }
        : e.type === 'TicketMoved'
          ? { type: 'moved', from: e.from, to: e.to, kind: null, ref: null, note: e.note }
          : { type: 'action', from: null, to: null, kind: e.kind, ref: e.ref, note: e.note };
    await client.query(
      `INSERT INTO ticket_events (ticket_id, seq, type, from_state, to_state, action_kind, action_ref, note, actor, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [id, seq++, row.type, row.from, row.to, row.kind, row.ref, row.note, e.actor, e.at],
    );
  }
}

export interface TicketEventDbRow {
  ticket_id: string;
  seq: number;
  type: TicketEventRow['type'];
  from_state: TicketState | null;
  to_state: TicketState | null;
  action_kind: ActionKind | null;
  action_ref: string | null;
  note: string | null;
  actor: string;
  at: Date;
}

async function readEvents(db: Queryable, id: string): Promise<TicketEventRow[]> {
  const { rows } = await db.query<TicketEventDbRow>(
    'SELECT * FROM ticket_events WHERE ticket_id = $1 ORDER BY seq',
    [id],
  );
  return rows.map(eventFromRow);
}

function eventFromRow(r: TicketEventDbRow): TicketEventRow {
  return {
    seq: r.seq,
    type: r.type,
    from: r.from_state,
    to: r.to_state,
    action: r.action_kind ? { kind: r.action_kind, ref: r.action_ref ?? '' } : null,
    note: r.note,
    actor: r.actor,
    at: r.at,
  };
}

function fromRow(r: TicketRow): Ticket {
  return {
    id: r.id,
    channel: r.channel,
    channelOrderId: r.channel_order_id,
    sku: r.sku,
    source: r.source,
    platformCaseId: r.platform_case_id,
    reasonCode: r.reason_code,
    summary: r.summary,
    state: r.state,
    openedBy: r.opened_by,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    resolution: r.resolution,
  };
}
