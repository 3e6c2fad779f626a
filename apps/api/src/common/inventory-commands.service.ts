import { randomUUID } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { loadStreamState, type StreamState } from '@libs/command-handling';
import { EventStore } from '@libs/event-store';
import {
  inventoryDecider,
  type InventoryCommand,
  type InventoryEvent,
  type InventoryState,
  type ReasonCode,
} from '@libs/inventory';
import {
  createInventoryBatchHandler,
  INVENTORY_SNAPSHOT_TYPE,
  type InventoryBatchHandler,
  skuStreamId,
} from '@libs/inventory-application';
import { ApiError } from './api-error';
import type { IdempotentRequest } from './idempotency-key.decorator';
import { IdempotencyKeys } from './idempotency-keys';

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

/** 404 for a missing thing, 422 for a value the domain refuses, 409 for a conflict with the current state. */
export function statusOfReason(reason: ReasonCode): HttpStatus {
  if (NOT_FOUND.has(reason)) return HttpStatus.NOT_FOUND;
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

/**
 * Sends one command to a SKU's stream through the batched handler (one transaction). Rejection events become
 * ApiErrors with `INVENTORY.<REASON>`; the actor is written into the command and the event metadata.
 */
@Injectable()
export class InventoryCommands {
  private readonly handler: InventoryBatchHandler;

  constructor(
    private readonly store: EventStore,
    private readonly idempotencyKeys: IdempotencyKeys,
  ) {
    // No state cache: other processes write the same streams, and an API call is rare enough to load fresh.
    this.handler = createInventoryBatchHandler(store, { cachedSkus: 0 });
  }

  /** A SKU's current state, from the event store (not the read models, which may lag). */
  loadState(sku: string): Promise<StreamState<InventoryState>> {
    return loadStreamState(this.store, inventoryDecider, skuStreamId(sku), INVENTORY_SNAPSHOT_TYPE, 1000);
  }

  /**
   * Sends many commands, one per SKU or several, as one transaction of appends: all are stored or none. Each
   * command's deterministic event ids (from its command id) make a retried batch return the first outcomes.
   */
  async sendMany<C extends InventoryCommand>(
    commands: CommandToSend<C>[],
    actor: string,
    metadata: Record<string, unknown> = {},
  ): Promise<BatchCommandOutcome[]> {
    const now = Date.now();
    const { items } = await this.handler.handleBatch(
      commands.map(({ type, sku, data, commandId }) => ({
        streamId: skuStreamId(sku),
        commandId,
        command: { type, data: { ...data, sku, now, actor } } as InventoryCommand,
        metadata: { ...metadata, actor },
      })),
    );
    return items.map((item, i) => ({
      sku: commands[i].sku,
      status: item.status,
      events: item.events,
      ...(item.error === undefined ? {} : { error: item.error }),
    }));
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
    const command = { type, data: { ...data, sku, now: Date.now(), actor } } as InventoryCommand;
    const { items, streams } = await this.handler.handleBatch([
      { streamId: skuStreamId(sku), commandId, command, metadata: { actor } },
    ]);
    const item = items[0];
    if (item.status === 'failed') throw item.error;
    for (const event of item.events) {
      if (event.type === 'CommandRejected' || event.type === 'ReservationRejected') {
        throw rejectionError(event.data.reason, event);
      }
    }
    return {
      sku,
      changed: item.status === 'applied' && item.events.length > 0,
      duplicate: item.status === 'duplicate',
      version: streams.get(skuStreamId(sku))?.version ?? 0,
      events: item.events,
    };
  }
}
