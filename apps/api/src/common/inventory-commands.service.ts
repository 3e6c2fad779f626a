import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  deterministicEventId,
  loadStreamState,
  storedOutcome,
  type StreamState,
} from '@libs/command-handling';
import { EventStore } from '@libs/event-store';
import {
  inventoryDecider,
  type InventoryCommand,
  type InventoryEvent,
  type InventoryState,
  type ReasonCode,
} from '@libs/inventory';
import {
  CommandBodies,
  INVENTORY_SNAPSHOT_TYPE,
  skuStreamId,
  type LaneRequest,
} from '@libs/inventory-application';
import {
  ChannelEventsTopic,
  type CommandRepliesTopic,
  type EnvelopeOf,
  type LaneCommandType,
} from '@libs/messaging';
import { PG_POOL, ReplyTimeoutError } from '@libs/runtime';
import type { Pool } from 'pg';
import { ApiConfig } from '../api.config';
import { ApiError } from './api-error';
import type { IdempotentRequest } from './idempotency-key.decorator';
import { IdempotencyKeys } from './idempotency-keys';
import { INVENTORY_LANE, type InventoryLane } from './inventory-lane';

type CommandData<C extends InventoryCommand> = Omit<C['data'], 'sku' | 'now' | 'actor'>;

export interface CommandOutcome {
  sku: string;
  /** False when the command had already been applied (the same idempotency key, batch or adjustment id). */
  changed: boolean;
  duplicate: boolean;
  /** The stream version after the command. */
  version: number;
  events: InventoryEvent[];
}

const NOT_FOUND: ReadonlySet<ReasonCode> = new Set([
  'UNKNOWN_SKU',
  'POOL_NOT_FOUND',
  'RESERVATION_NOT_FOUND',
  'UNIT_NOT_FOUND',
]);
const INVALID: ReadonlySet<ReasonCode> = new Set([
  'INVALID_QUANTITY',
  'INVALID_SETTING',
  'INVALID_TIME',
  'INVALID_REFERENCE',
  'SKU_MISMATCH',
]);

export interface CommandToSend<C extends InventoryCommand = InventoryCommand> {
  type: C['type'];
  sku: string;
  data: CommandData<C>;
  commandId: string;
}

/** One command's fate in a batch: rejections are returned as events, not thrown. */
export interface BatchCommandOutcome {
  sku: string;
  status: 'applied' | 'duplicate' | 'failed';
  events: InventoryEvent[];
  error?: unknown;
}

/**
 * 404 for a missing thing, 422 for a value the domain refuses, 429 for an action asked again too soon, 409 for a
 * conflict with the current state.
 */
export function statusOfReason(reason: ReasonCode): HttpStatus {
  if (NOT_FOUND.has(reason)) return HttpStatus.NOT_FOUND;
  if (reason === 'REDELIVERY_TOO_SOON') return HttpStatus.TOO_MANY_REQUESTS;
  if (INVALID.has(reason)) return HttpStatus.UNPROCESSABLE_ENTITY;
  return HttpStatus.CONFLICT;
}

export function rejectionError(reason: ReasonCode, event: InventoryEvent): ApiError {
  const ref = event.type === 'CommandRejected' ? event.data.ref : null;
  return new ApiError(
    statusOfReason(reason),
    `INVENTORY.${reason}`,
    `the inventory refused the command: ${reason}`,
    ref ? { ref } : undefined,
  );
}

type Reply = EnvelopeOf<typeof CommandRepliesTopic>['payload'];

/** Above this many bytes of JSON a command's data travels apart from its request (see CommandBodies). */
export const MAX_INLINE_COMMAND_BYTES = 256 * 1024;

/**
 * The operations API's way to change inventory: a client of the SKU lane. Each command is sent as an
 * `inventory.command` keyed by SKU onto stock.channel-events and decided by the one inventory-service instance that
 * owns the SKU's partition, in order with the SKU's orders; the owner answers on stock.command-replies under this
 * instance's id, and the events the command decided are read from the event store by the ids its command id gives
 * them. The requests and their answers go through the lane's ClientProxy (INVENTORY_LANE, a MessageBusClient),
 * whose replies InventoryLaneRepliesController consumes. Rejection events become ApiErrors with
 * `INVENTORY.<REASON>`; the actor is written into the command and the event metadata.
 *
 * Timeout: when no answer comes within API_LANE_TIMEOUT_MS the caller gets 504 INVENTORY.LANE_TIMEOUT. The
 * command may still be decided later (it is on the lane); sending it again with the same Idempotency-Key (the same
 * command id) returns that outcome, never a second one.
 */
@Injectable()
export class InventoryCommands {
  private readonly bodies: CommandBodies;

  constructor(
    private readonly store: EventStore,
    private readonly idempotencyKeys: IdempotencyKeys,
    @Inject(INVENTORY_LANE) private readonly lane: InventoryLane,
    private readonly config: ApiConfig,
    @Inject(PG_POOL) pool: Pool,
  ) {
    this.bodies = new CommandBodies(pool);
  }

  /** Names this process on the reply topic; new at every start (replies to a previous run are of no use). */
  get instanceId(): string {
    return this.lane.replyTo;
  }

  /** A SKU's current state, from the event store (not the read models, which may lag). */
  loadState(sku: string): Promise<StreamState<InventoryState>> {
    return loadStreamState(this.store, inventoryDecider, skuStreamId(sku), INVENTORY_SNAPSHOT_TYPE, 1000);
  }

  /**
   * Sends many commands, one per SKU or several, each to its SKU's owner. They are decided independently (SKUs on
   * different partitions have different owners), so some may be stored when another fails; each command's id makes
   * sending the same batch again return the first outcomes of those already decided.
   */
  async sendMany<C extends InventoryCommand>(
    commands: CommandToSend<C>[],
    actor: string,
    /** Written into the metadata of every event the commands decide (for example the import's batch id). */
    metadata?: Record<string, string>,
  ): Promise<BatchCommandOutcome[]> {
    const replies = await this.request(commands, actor, metadata);
    const events = await this.eventsOfAll(commands, replies);
    return replies.map((reply, i) => {
      const { sku } = commands[i];
      if (reply.status === 'failed')
        return { sku, status: 'failed' as const, events: [], error: failureOf(reply) };
      return { sku, status: reply.status, events: events[i] };
    });
  }

  /**
   * Sends one command. `idempotency` is the request's Idempotency-Key (scoped to caller, route and request, see
   * IdempotencyKeys), or a command id chosen by the server itself; without it the command id is random.
   */
  async send<C extends InventoryCommand>(
    type: C['type'],
    sku: string,
    data: CommandData<C>,
    actor: string,
    idempotency?: IdempotentRequest | string,
  ): Promise<CommandOutcome> {
    const commandId =
      idempotency === undefined
        ? randomUUID()
        : typeof idempotency === 'string'
          ? idempotency
          : await this.idempotencyKeys.claim(idempotency);
    const command = { type, sku, data, commandId };
    const [reply] = await this.request([command], actor);
    if (reply.status === 'failed') throw failureOf(reply);
    const [events] = await this.eventsOfAll([command], [reply]);
    for (const event of events) {
      if (event.type === 'CommandRejected' || event.type === 'ReservationRejected') {
        throw rejectionError(event.data.reason, event);
      }
    }
    return {
      sku,
      changed: reply.status === 'applied' && events.length > 0,
      duplicate: reply.status === 'duplicate',
      version: reply.version,
      events,
    };
  }

  /**
   * Publishes the requests (bodies too large for a record stored first) and waits for every answer. The wait ends
   * in a timeout only when no answer at all came for API_LANE_TIMEOUT_MS: a batch of thousands of commands takes
   * the owner longer than one, and is still progressing while answers keep arriving.
   */
  private async request(
    commands: readonly CommandToSend[],
    actor: string,
    metadata?: Record<string, string>,
  ): Promise<Reply[]> {
    const requests: LaneRequest[] = [];
    for (const { type, sku, data, commandId } of commands) {
      const payload: LaneRequest['payload'] = {
        sku,
        commandId,
        commandType: type as LaneCommandType,
        actor,
        replyTo: this.instanceId,
        ...(metadata ? { metadata } : {}),
      };
      if (Buffer.byteLength(JSON.stringify(data)) > MAX_INLINE_COMMAND_BYTES) {
        const bodyRef = randomUUID();
        await this.bodies.save(bodyRef, data as Record<string, unknown>);
        payload.bodyRef = bodyRef;
      } else {
        payload.data = data as Record<string, unknown>;
      }
      requests.push({ type: 'inventory.command', correlationId: randomUUID(), payload });
    }
    const replies = await this.awaitReplies(requests);
    // An answer missed (this instance joined its reply group late, or the owner is slow) may be in the store.
    const answered: Reply[] = [];
    for (const [i, reply] of replies.entries()) {
      const found = reply ?? (await this.recoverReply(commands[i]));
      if (!found) {
        throw new ApiError(
          HttpStatus.GATEWAY_TIMEOUT,
          'INVENTORY.LANE_TIMEOUT',
          `the inventory service did not answer within ${this.config.laneTimeoutMs} ms; the command may still be ` +
            'applied: send it again with the same Idempotency-Key (or batch id) to learn its outcome',
          { commandId: commands[i].commandId },
        );
      }
      answered.push(found);
    }
    return answered;
  }

  /**
   * Sends the requests; resolves with their answers, `undefined` for those still missing when the wait ended (the
   * lane's ReplyTimeoutError: no answer for API_LANE_TIMEOUT_MS). A failed publish sent nothing and is thrown.
   */
  private awaitReplies(requests: readonly LaneRequest[]): Promise<(Reply | undefined)[]> {
    const replies: (Reply | undefined)[] = new Array(requests.length).fill(undefined);
    const indexOf = new Map(requests.map((r, i) => [r.correlationId!, i]));
    return new Promise((resolve, reject) => {
      this.lane.request(ChannelEventsTopic, requests).subscribe({
        next: (reply) => {
          const i = indexOf.get(reply.correlationId);
          if (i !== undefined) replies[i] = reply.payload;
        },
        complete: () => resolve(replies),
        error: (error: unknown) => (error instanceof ReplyTimeoutError ? resolve(replies) : reject(error)),
      });
    });
  }

  /**
   * An answer that did not come in time, looked up where the owner wrote it: a command that decided events has
   * them in the event store under ids its command id gives. One that decided nothing leaves no trace, so it stays
   * a timeout.
   */
  private async recoverReply(command: CommandToSend): Promise<Reply | null> {
    const streamId = skuStreamId(command.sku);
    const [first] = await this.store.readEventsByIds([deterministicEventId(streamId, command.commandId, 0)]);
    if (!first) return null;
    const events = await storedOutcome(this.store, streamId, first, (k) =>
      deterministicEventId(streamId, command.commandId, k),
    );
    return {
      replyTo: this.instanceId,
      commandId: command.commandId,
      sku: command.sku,
      status: 'duplicate',
      version: events[events.length - 1].version,
      eventCount: events.length,
    };
  }

  /** The events each command decided, read by their derived ids in one query, each in stream order. */
  private async eventsOfAll(
    commands: readonly CommandToSend[],
    replies: readonly Reply[],
  ): Promise<InventoryEvent[][]> {
    const idsOf = replies.map((reply, i) => {
      const streamId = skuStreamId(commands[i].sku);
      const count = reply.status === 'failed' ? 0 : reply.eventCount;
      return Array.from({ length: count }, (_, k) => deterministicEventId(streamId, reply.commandId, k));
    });
    const all = idsOf.flat();
    if (all.length === 0) return idsOf.map(() => []);
    const byId = new Map((await this.store.readEventsByIds(all)).map((e) => [e.eventId, e]));
    return idsOf.map((ids, i) =>
      ids.map((id) => {
        const e = byId.get(id);
        if (!e) {
          throw new ApiError(
            HttpStatus.INTERNAL_SERVER_ERROR,
            'API.INTERNAL_ERROR',
            `an event the inventory answered for command ${replies[i].commandId} was not found`,
          );
        }
        return { type: e.type, data: e.data } as InventoryEvent;
      }),
    );
  }
}

/** A command the owner could not decide (its body gone, a fault in the decider): 500 with the owner's code. */
function failureOf(reply: Reply): ApiError {
  return new ApiError(
    HttpStatus.INTERNAL_SERVER_ERROR,
    'INVENTORY.COMMAND_FAILED',
    `the inventory service could not decide the command: ${reply.errorCode ?? 'unknown'}`,
  );
}
