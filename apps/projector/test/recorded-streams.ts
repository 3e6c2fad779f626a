import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@libs/event-store';
import {
  inventoryDecider,
  type InventoryCommand,
  type InventoryEvent,
  type InventoryState,
} from '@libs/inventory';
import { skuStreamId } from '@libs/inventory-application';

export const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

/**
 * Runs commands through the real decider and records the events as the store would (versions, global
 * positions, times), for tests of the pure projection without a database.
 */
export class RecordedStreams {
  private position = 0;
  private readonly streams = new Map<string, { state: InventoryState; version: number }>();
  readonly events: RecordedEvent[] = [];

  run(command: InventoryCommand): RecordedEvent[] {
    const sku = command.data.sku;
    const stream = this.streams.get(sku) ?? { state: inventoryDecider.initialState(), version: 0 };
    const decided = inventoryDecider.decide(command, stream.state);
    const recorded = decided.map((event) => {
      stream.state = inventoryDecider.evolve(stream.state, event);
      stream.version += 1;
      this.position += 1;
      return record(sku, stream.version, this.position, event);
    });
    this.streams.set(sku, stream);
    this.events.push(...recorded);
    return recorded;
  }

  runAll(commands: InventoryCommand[]): RecordedEvent[] {
    return commands.flatMap((c) => this.run(c));
  }

  state(sku: string): InventoryState {
    return this.streams.get(sku)?.state ?? inventoryDecider.initialState();
  }

  version(sku: string): number {
    return this.streams.get(sku)?.version ?? 0;
  }
}

export function record(
  sku: string,
  version: number,
  position: number,
  event: InventoryEvent | { type: string; data: unknown },
): RecordedEvent {
  const data = JSON.parse(JSON.stringify(event.data)) as { at?: number };
  const at = new Date(typeof data.at === 'number' ? data.at : T0);
  return {
    eventId: randomUUID(),
    streamId: skuStreamId(sku),
    version,
    type: event.type,
    data,
    metadata: {},
    occurredAt: at,
    recordedAt: at,
    globalPosition: position,
    transactionId: position,
  };
}

/** Commands of one SKU at a given time, shortening the test scenarios. */
export function commandsFor(sku: string) {
  const ctx = (now: number) => ({ sku, now, actor: 'test' });
  return {
    register: (
      now: number,
      kind: 'quantity' | 'cardKey' | 'unlimited',
      extra: { lowStockThreshold?: number; perOrderCap?: number } = {},
    ): InventoryCommand => ({
      type: 'RegisterSku',
      data: { ...ctx(now), kind, ...extra },
    }),
    changeSettings: (
      now: number,
      settings: { lowStockThreshold?: number | null; perOrderCap?: number | null },
    ): InventoryCommand => ({
      type: 'ChangeSkuSettings',
      data: { ...ctx(now), ...settings },
    }),
    receive: (now: number, batchId: string, quantity: number): InventoryCommand => ({
      type: 'ReceiveStock',
      data: { ...ctx(now), batchId, quantity },
    }),
    importKeys: (now: number, batchId: string, unitIds: string[], loop = false): InventoryCommand => ({
      type: 'ImportCardKeys',
      data: {
        ...ctx(now),
        batchId,
        units: unitIds.map((unitId) => ({ unitId, fingerprint: `fp-${unitId}`, loop })),
      },
    }),
    reserve: (
      now: number,
      channel: string,
      channelOrderId: string,
      quantity: number,
      ttlMs = 60_000,
      poolId?: string,
    ): InventoryCommand => ({
      type: 'ReserveStock',
      data: {
        ...ctx(now),
        channel,
        channelOrderId,
        lines: [{ quantity, poolId: poolId ?? null }],
        expiresAt: now + ttlMs,
      },
    }),
    confirm: (now: number, channel: string, channelOrderId: string): InventoryCommand => ({
      type: 'ConfirmReservation',
      data: { ...ctx(now), channel, channelOrderId },
    }),
    deliver: (now: number, channel: string, channelOrderId: string): InventoryCommand => ({
      type: 'RecordDelivery',
      data: { ...ctx(now), channel, channelOrderId },
    }),
    release: (now: number, channel: string, channelOrderId: string): InventoryCommand => ({
      type: 'ReleaseReservation',
      data: { ...ctx(now), channel, channelOrderId, note: 'buyer cancelled' },
    }),
    expire: (now: number): InventoryCommand => ({ type: 'ExpireReservations', data: ctx(now) }),
    adjust: (now: number, adjustmentId: string, delta: number): InventoryCommand => ({
      type: 'AdjustStock',
      data: { ...ctx(now), adjustmentId, delta, reason: 'count-correction', note: 'stock take' },
    }),
    redeem: (now: number, unitId: string): InventoryCommand => ({
      type: 'RedeemCardKey',
      data: { ...ctx(now), unitId },
    }),
    voidKey: (now: number, unitId: string): InventoryCommand => ({
      type: 'VoidCardKey',
      data: { ...ctx(now), unitId, note: 'leaked' },
    }),
    policy: (
      now: number,
      channel: string,
      policy: {
        bufferQuantity?: number;
        sharePercent?: number;
        maxListed?: number | null;
        endWhenAtOrBelow?: number | null;
      } = {},
    ): InventoryCommand => ({
      type: 'SetChannelPolicy',
      data: { ...ctx(now), channel, ...policy },
    }),
    openPool: (now: number, poolId: string, quantity: number): InventoryCommand => ({
      type: 'OpenDedicatedPool',
      data: { ...ctx(now), poolId, quantity },
    }),
    closePool: (now: number, poolId: string): InventoryCommand => ({
      type: 'CloseDedicatedPool',
      data: { ...ctx(now), poolId },
    }),
  };
}
