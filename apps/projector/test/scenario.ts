import fc from 'fast-check';
import type { InventoryCommand } from '@libs/inventory';
import { commandSequence } from './inventory-commands.arbitrary';
import { commandsFor, T0 } from './recorded-streams';

/**
 * A day of trading on two named SKUs (every command kind, policies on three channels, a pool, card keys from
 * two batches, an alert raised and cleared), orders for a SKU nobody registered, then seeded random traffic on a
 * few more.
 */
export function tradingDay(seed = 42): InventoryCommand[] {
  const gift = commandsFor('GIFT-100');
  const keys = commandsFor('KEYS-1');
  const t = (minutes: number) => T0 + minutes * 60_000;
  const named: InventoryCommand[] = [
    gift.register(t(0), 'quantity', { lowStockThreshold: 5, perOrderCap: 4 }),
    gift.policy(t(0), 'taobao', { bufferQuantity: 1 }),
    gift.policy(t(0), 'pinduoduo', { sharePercent: 50 }),
    gift.policy(t(0), 'shop', { maxListed: 5, endWhenAtOrBelow: 1 }),
    gift.receive(t(1), 'b1', 12),
    gift.openPool(t(2), 'flash', 3),
    gift.reserve(t(3), 'taobao', 'T1', 2),
    gift.reserve(t(3), 'pinduoduo', 'P1', 1, 60_000),
    gift.reserve(t(4), 'shop', 'S1', 2, 600_000, 'flash'),
    gift.reserve(t(4), 'taobao', 'T2', 9),
    gift.confirm(t(5), 'taobao', 'T1'),
    gift.release(t(5), 'shop', 'S1'),
    gift.expire(t(6)),
    gift.reserve(t(7), 'taobao', 'T3', 4),
    gift.confirm(t(7), 'taobao', 'T3'),
    gift.adjust(t(8), 'count-1', -2),
    gift.confirm(t(8), 'shop', 'NEVER-RESERVED'),
    gift.closePool(t(9), 'flash'),
    gift.receive(t(10), 'b2', 6),
    gift.reserve(t(11), 'shop', 'S2', 1, 10 * 60_000),
    keys.register(t(0), 'cardKey', { lowStockThreshold: 1 }),
    keys.policy(t(0), 'shop'),
    keys.policy(t(0), 'miniprogram', { bufferQuantity: 1 }),
    keys.importKeys(t(1), 'c1', ['k1', 'k2', 'k3']),
    keys.importKeys(t(1), 'c1', ['k1', 'k2', 'k3']),
    keys.importKeys(t(2), 'c2', ['k4', 'k5']),
    keys.reserve(t(3), 'shop', 'S1', 2),
    keys.confirm(t(4), 'shop', 'S1'),
    keys.deliver(t(5), 'shop', 'S1'),
    keys.redeem(t(6), 'k1'),
    keys.voidKey(t(6), 'k5'),
    keys.reserve(t(7), 'miniprogram', 'M1', 1),
    keys.confirm(t(8), 'miniprogram', 'M1'),
    keys.importKeys(t(9), 'loop', ['loop-1'], true),
    keys.reserve(t(10), 'shop', 'S2', 3),
    // Nobody registered GHOST: its stream holds only rejections.
    commandsFor('GHOST').reserve(t(2), 'taobao', 'G1', 1),
    commandsFor('GHOST').receive(t(3), 'g1', 5),
  ];
  const [random] = fc.sample(commandSequence, { seed, numRuns: 1 });
  return [...named, ...random];
}
