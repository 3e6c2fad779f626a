import fc from 'fast-check';
import type { InventoryCommand, StockKind } from '@libs/inventory';
import { T0 } from './recorded-streams';

/**
 * Random command sequences over a few SKUs, ids drawn from small sets so that orders, batches and keys collide:
 * repeats, out-of-order notices and rejections are what a projection must get right.
 */
const channel = fc.constantFrom('taobao', 'pinduoduo', 'shop');
const orderId = fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5');
const unitId = fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6');
const poolId = fc.constantFrom('p1', 'p2');
const qty = fc.integer({ min: 1, max: 4 });

type Template = (sku: string, now: number) => InventoryCommand;

const templates: fc.Arbitrary<Template> = fc.oneof(
  fc
    .tuple(fc.constantFrom('b1', 'b2', 'b3'), fc.integer({ min: 1, max: 6 }))
    .map(([batchId, quantity]): Template => (sku, now) => ({
      type: 'ReceiveStock',
      data: { sku, now, batchId, quantity },
    })),
  fc
    .tuple(fc.constantFrom('c1', 'c2', 'c3'), fc.uniqueArray(unitId, { maxLength: 3 }), fc.boolean())
    .map(([batchId, ids, loop]): Template => (sku, now) => ({
      type: 'ImportCardKeys',
      data: {
        sku,
        now,
        batchId,
        units: ids.map((id) => ({ unitId: id, fingerprint: `fp-${id}`, loop: loop && id === 'k6' })),
      },
    })),
  {
    arbitrary: fc
      .tuple(channel, orderId, qty, fc.integer({ min: 1, max: 5 }), fc.option(poolId, { nil: null }))
      .map(([ch, id, quantity, ttlSteps, pool]): Template => (sku, now) => ({
        type: 'ReserveStock',
        data: {
          sku,
          now,
          channel: ch,
          channelOrderId: id,
          lines: [{ quantity, poolId: pool }],
          expiresAt: now + ttlSteps * 1000,
        },
      })),
    weight: 4,
  },
  {
    arbitrary: fc.tuple(channel, orderId).map(([ch, id]): Template => (sku, now) => ({
      type: 'ConfirmReservation',
      data: { sku, now, channel: ch, channelOrderId: id },
    })),
    weight: 3,
  },
  fc.tuple(channel, orderId).map(([ch, id]): Template => (sku, now) => ({
    type: 'RecordDelivery',
    data: { sku, now, channel: ch, channelOrderId: id },
  })),
  fc.tuple(channel, orderId).map(([ch, id]): Template => (sku, now) => ({
    type: 'ReleaseReservation',
    data: { sku, now, channel: ch, channelOrderId: id },
  })),
  fc.constant<Template>((sku, now) => ({ type: 'ExpireReservations', data: { sku, now } })),
  fc
    .tuple(
      fc.constantFrom('a1', 'a2', 'a3'),
      fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0),
    )
    .map(([adjustmentId, delta]): Template => (sku, now) => ({
      type: 'AdjustStock',
      data: { sku, now, adjustmentId, delta, reason: 'reconciliation' },
    })),
  unitId.map((id): Template => (sku, now) => ({ type: 'RedeemCardKey', data: { sku, now, unitId: id } })),
  unitId.map((id): Template => (sku, now) => ({ type: 'VoidCardKey', data: { sku, now, unitId: id } })),
  fc
    .tuple(
      channel,
      fc.integer({ min: 0, max: 2 }),
      fc.constantFrom(50, 100),
      fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
    )
    .map(([ch, bufferQuantity, sharePercent, maxListed]): Template => (sku, now) => ({
      type: 'SetChannelPolicy',
      data: { sku, now, channel: ch, bufferQuantity, sharePercent, maxListed },
    })),
  fc.tuple(poolId, qty).map(([id, quantity]): Template => (sku, now) => ({
    type: 'OpenDedicatedPool',
    data: { sku, now, poolId: id, quantity },
  })),
  poolId.map((id): Template => (sku, now) => ({
    type: 'CloseDedicatedPool',
    data: { sku, now, poolId: id },
  })),
  fc
    .tuple(fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }), fc.option(qty, { nil: null }))
    .map(([lowStockThreshold, perOrderCap]): Template => (sku, now) => ({
      type: 'ChangeSkuSettings',
      data: { sku, now, lowStockThreshold, perOrderCap },
    })),
);

export const SKUS = ['A', 'B', 'C'] as const;
/** Commands for a SKU nobody registered are rejected, yet land in its stream. */
export const UNREGISTERED = 'Z';

export const commandSequence: fc.Arbitrary<InventoryCommand[]> = fc
  .tuple(
    fc.tuple(...SKUS.map(() => fc.constantFrom<StockKind>('quantity', 'cardKey', 'unlimited'))),
    fc.tuple(...SKUS.map(() => fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }))),
    fc.array(
      fc.tuple(fc.constantFrom<string>(...SKUS, UNREGISTERED), fc.integer({ min: 0, max: 1500 }), templates),
      { minLength: 1, maxLength: 60 },
    ),
  )
  .map(([kinds, thresholds, steps]) => {
    let now = T0;
    const registrations: InventoryCommand[] = SKUS.map((sku, i) => ({
      type: 'RegisterSku',
      data: { sku, now, kind: kinds[i], lowStockThreshold: thresholds[i], perOrderCap: 5 },
    }));
    return [
      ...registrations,
      ...steps.map(([sku, advance, make]) => {
        now += advance;
        return make(sku, now);
      }),
    ];
  });
