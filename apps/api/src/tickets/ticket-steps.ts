import type { Queryable } from '@libs/database';
import type { TicketEventDbRow } from './tickets.repository';

/** One step of an order's history that a ticket contributed (GET /v1/orders/:channel/:channelOrderId). */
export interface TicketStep {
  /** ISO 8601, like the order history's own steps. */
  at: string;
  actor: string;
  /** `ticket-opened`, `ticket-moved` or `ticket-action`. */
  step: 'ticket-opened' | 'ticket-moved' | 'ticket-action';
  /** ticketId always; reasonCode, source, platformCaseId, sku on opening; from, to, note on a move; kind, ref, note on an action. */
  detail: Record<string, unknown>;
}

/** Every ticket step of one order, in time order (then by ticket and sequence). */
export async function ticketStepsForOrder(
  db: Queryable,
  channel: string,
  channelOrderId: string,
): Promise<TicketStep[]> {
  const { rows } = await db.query<
    TicketEventDbRow & {
      reason_code: string;
      source: string;
      platform_case_id: string | null;
      sku: string | null;
      summary: string;
    }
  >(
    `SELECT e.*, t.reason_code, t.source, t.platform_case_id, t.sku, t.summary
       FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
      WHERE t.channel = $1 AND t.channel_order_id = $2
      ORDER BY e.at, e.ticket_id, e.seq
      LIMIT 1000`,
    [channel, channelOrderId],
  );
  return rows.map((r): TicketStep => {
    const at = r.at.toISOString();
    if (r.type === 'opened')
      return {
        at,
        actor: r.actor,
        step: 'ticket-opened',
        detail: {
          ticketId: r.ticket_id,
          reasonCode: r.reason_code,
          source: r.source,
          platformCaseId: r.platform_case_id,
          sku: r.sku,
          summary: r.summary,
        },
      };
    if (r.type === 'moved')
      return {
        at,
        actor: r.actor,
        step: 'ticket-moved',
        detail: { ticketId: r.ticket_id, from: r.from_state, to: r.to_state, note: r.note },
      };
    return {
      at,
      actor: r.actor,
      step: 'ticket-action',
      detail: { ticketId: r.ticket_id, kind: r.action_kind, ref: r.action_ref, note: r.note },
    };
  });
}
