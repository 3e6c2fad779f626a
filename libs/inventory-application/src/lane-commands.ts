import { EVENT_ID_NAMESPACE, uuidV5 } from '@libs/command-handling';
import type { Queryable } from '@libs/database';
import type { InventoryCommand } from '@libs/inventory';
import {
  ChannelEventsTopic,
  type EnvelopeOf,
  type LaneCommandType,
  type OutgoingMessage,
} from '@libs/messaging';

/*
 * The SKU lane's own commands (`inventory.command` on stock.channel-events): what the operations API and
 * reservation expiry ask of a SKU's single writer. Connectors never send them.
 */

type LaneEnvelope = Extract<EnvelopeOf<typeof ChannelEventsTopic>, { type: 'inventory.command' }>;
export type LaneRequest = Extract<OutgoingMessage<typeof ChannelEventsTopic>, { type: 'inventory.command' }>;

// Every lane command type must be one the decider knows: a name added to the catalogue but not to the domain
// fails here at compile time.
type Known<T extends LaneCommandType> = T extends InventoryCommand['type'] ? T : never;
const _everyLaneTypeIsACommand: LaneCommandType = null as unknown as Known<LaneCommandType>;
void _everyLaneTypeIsACommand;

export class LaneCommandBodyMissingError extends Error {
  readonly code = 'INVENTORY.COMMAND_BODY_MISSING';
}

/**
 * The command a lane message asks for, decided at `now`. `body` is the command's data when it travelled apart
 * (bodyRef); the message's own `data` otherwise. sku, now and actor always come from the message, never from the
 * body, so a body cannot speak for another SKU or another person.
 */
export function laneCommandFor(
  envelope: LaneEnvelope,
  now: number,
  bodies: ReadonlyMap<string, Record<string, unknown>>,
): InventoryCommand {
  const p = envelope.payload;
  let data = p.data;
  if (p.bodyRef !== undefined) {
    data = bodies.get(p.bodyRef);
    if (data === undefined) throw new LaneCommandBodyMissingError(`command body ${p.bodyRef} was not found`);
  }
  // `recalled` is the owner's own lookup (closing the books), never a requester's: a record cannot be sent in.
  const { recalled: _fromRequester, ...fields } = data ?? {};
  return { type: p.commandType, data: { ...fields, sku: p.sku, now, actor: p.actor } } as InventoryCommand;
}

/** Asks the SKU's owner to expire its reservations due by the time it decides (no one waits for the answer). */
export function expiryRequest(sku: string, at: number, actor: string): LaneRequest {
  const commandId = `expire:${sku}:${at}`;
  return {
    type: 'inventory.command',
    eventId: uuidV5(commandId, EVENT_ID_NAMESPACE),
    occurredAt: new Date(at),
    payload: { sku, commandId, commandType: 'ExpireReservations', data: {}, actor },
  };
}

/**
 * Asks the SKU's owner to close the books on the orders settled before `before` (no one waits for the answer; the
 * same request twice is one command).
 */
export function closeBooksRequest(sku: string, before: number, at: number, actor: string): LaneRequest {
  const commandId = `close-books:${sku}:${before}`;
  return {
    type: 'inventory.command',
    eventId: uuidV5(commandId, EVENT_ID_NAMESPACE),
    occurredAt: new Date(at),
    payload: { sku, commandId, commandType: 'CloseBooks', data: { before }, actor },
  };
}

/**
 * Command bodies too large for one Kafka record, stored by the requester before it sends the request and read by
 * the owner before it decides (a claim check). Table `command_bodies` (api migrations).
 */
export class CommandBodies {
  constructor(private readonly db: Queryable) {}

  async save(id: string, body: Record<string, unknown>): Promise<void> {
    await this.db.query(
      `INSERT INTO command_bodies (body_id, body) VALUES ($1, $2) ON CONFLICT (body_id) DO NOTHING`,
      [id, JSON.stringify(body)],
    );
  }

  async read(ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<{ body_id: string; body: Record<string, unknown> }>(
      `SELECT body_id, body FROM command_bodies WHERE body_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.body_id, r.body]));
  }

  /** Bodies older than the horizon are of no use: their request was answered, or given up, long ago. */
  async prune(olderThan: Date): Promise<number> {
    const { rowCount } = await this.db.query(`DELETE FROM command_bodies WHERE created_at < $1`, [olderThan]);
    return rowCount ?? 0;
  }
}
