import { CommandContext, EventContext, InventoryCommand, InventoryEvent } from '@libs/inventory';

export const SKU = 'SKU-1';
/** 2026-01-01T00:00:00Z, epoch milliseconds. */
export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;

type CommandOf<T extends InventoryCommand['type']> = Extract<InventoryCommand, { type: T }>;
type EventOf<T extends InventoryEvent['type']> = Extract<InventoryEvent, { type: T }>;

/** A command for SKU at T0 unless the data says otherwise. */
export function command<T extends InventoryCommand['type']>(
  type: T,
  data: Omit<CommandOf<T>['data'], keyof CommandContext> & Partial<CommandContext>,
): CommandOf<T> {
  return { type, data: { sku: SKU, now: T0, ...data } } as unknown as CommandOf<T>;
}

/** An event for SKU at T0 with no actor unless the data says otherwise. */
export function event<T extends InventoryEvent['type']>(
  type: T,
  data: Omit<EventOf<T>['data'], keyof EventContext> & Partial<EventContext>,
): EventOf<T> {
  return { type, data: { sku: SKU, at: T0, actor: null, ...data } } as unknown as EventOf<T>;
}

export const registeredQuantity = (
  lowStockThreshold: number | null = null,
  perOrderCap: number | null = null,
) => event('SkuRegistered', { kind: 'quantity', lowStockThreshold, perOrderCap });

export const registeredCardKeys = (
  lowStockThreshold: number | null = null,
  perOrderCap: number | null = null,
) => event('SkuRegistered', { kind: 'cardKey', lowStockThreshold, perOrderCap });

export const registeredUnlimited = (perOrderCap: number | null = null) =>
  event('SkuRegistered', { kind: 'unlimited', lowStockThreshold: null, perOrderCap });

export const received = (quantity: number, batchId = `batch-${quantity}`) =>
  event('StockReceived', { batchId, quantity });

/** Keys k1..kn with fingerprints f1..fn. */
export const keysImported = (count: number, batchId = 'keys-1', first = 1, loop = false) =>
  event('CardKeysImported', {
    batchId,
    units: Array.from({ length: count }, (_, i) => ({
      unitId: `k${first + i}`,
      fingerprint: `f${first + i}`,
      loop,
    })),
    skipped: [],
  });

export const reserved = (
  channelOrderId: string,
  quantity: number,
  options: { channel?: string; poolId?: string | null; endless?: number; expiresAt?: number } = {},
) =>
  event('StockReserved', {
    channel: options.channel ?? 'taobao',
    channelOrderId,
    lines: [{ quantity, poolId: options.poolId ?? null, endless: options.endless ?? 0 }],
    quantity,
    expiresAt: options.expiresAt ?? T0 + 15 * MINUTE,
  });

export const reserve = (
  channelOrderId: string,
  quantity: number,
  options: { channel?: string; poolId?: string; expiresAt?: number; now?: number; actor?: string } = {},
) =>
  command('ReserveStock', {
    channel: options.channel ?? 'taobao',
    channelOrderId,
    lines: [options.poolId === undefined ? { quantity } : { quantity, poolId: options.poolId }],
    expiresAt: options.expiresAt ?? T0 + 15 * MINUTE,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.actor === undefined ? {} : { actor: options.actor }),
  });

export const confirm = (channelOrderId: string, channel = 'taobao') =>
  command('ConfirmReservation', { channel, channelOrderId });

export const confirmed = (
  channelOrderId: string,
  quantity: number,
  allocatedUnitIds: string[] = [],
  loopUnits: { unitId: string; count: number }[] = [],
  channel = 'taobao',
) => event('ReservationConfirmed', { channel, channelOrderId, quantity, allocatedUnitIds, loopUnits });

export const release = (channelOrderId: string, channel = 'taobao') =>
  command('ReleaseReservation', { channel, channelOrderId });
