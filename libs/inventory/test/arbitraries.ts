import fc from 'fast-check';
import { InventoryCommand, StockKind } from '@libs/inventory';
import { SKU, T0 } from './fixtures';

/**
 * Random command sequences for one SKU. Ids come from small sets so that orders, batches, units and
 * fingerprints collide often: duplicates and out-of-order notices are the cases that matter.
 */
export interface Scenario {
  readonly register: InventoryCommand;
  readonly steps: readonly Step[];
}

/** `advance` moves the clock before the command; a replay re-sends an earlier command unchanged. */
export type Step =
  | { readonly advance: number; readonly make: CommandTemplate }
  | { readonly advance: number; readonly replay: number }
  | { readonly advance: number; readonly settle: SettleType; readonly pick: number };

/**
 * Confirms, delivers, releases, refunds, redelivers or replaces a key of one of the orders open or paid at that
 * moment (random ids rarely hit one).
 */
export type SettleType =
  | 'ConfirmReservation'
  | 'ReleaseReservation'
  | 'RecordDelivery'
  | 'RedeemCardKey'
  | 'RefundOrder'
  | 'RedeliverOrder'
  | 'ReplaceCardKey'
  | 'AllocateCardKeys'
  | 'ReleaseHold';

export type CommandTemplate = {
  readonly type: InventoryCommand['type'];
  readonly data: Record<string, unknown>;
};

const channel = fc.constantFrom('taobao', 'pdd');
const orderId = fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6');
const unitId = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `k${i + 1}`));
const fingerprint = fc.constantFrom(...Array.from({ length: 10 }, (_, i) => `f${i + 1}`));
const poolId = fc.constantFrom('p1', 'p2');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 3 });
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
/** Mostly valid, sometimes 0 so that the INVALID_QUANTITY paths run too. */
const quantity = (max: number) =>
  fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max }) }, { weight: 1, arbitrary: fc.constant(0) });

const template = <T extends InventoryCommand['type']>(type: T, data: fc.Arbitrary<Record<string, unknown>>) =>
  data.map((d): CommandTemplate => ({ type, data: d }));

const receiveStock = template(
  'ReceiveStock',
  fc.record({ batchId: fc.constantFrom('b1', 'b2', 'b3', 'b4', 'b5', 'b6'), quantity: quantity(8) }),
);

const importCardKeys = fc.oneof(
  {
    weight: 4,
    arbitrary: template(
      'ImportCardKeys',
      fc.record({
        batchId: fc.constantFrom('c1', 'c2', 'c3', 'c4'),
        units: fc.array(fc.record({ unitId, fingerprint }), { maxLength: 5 }),
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: template(
      'ImportCardKeys',
      fc.record({
        batchId: fc.constantFrom('loop1', 'loop2'),
        units: fc.tuple(unitId, fingerprint).map(([u, f]) => [{ unitId: u, fingerprint: f, loop: true }]),
      }),
    ),
  },
);

/**
 * Order rules of every action over the facts a placement carries (SKU, channel, quantity, amount, buyer), often
 * matching; sometimes malformed, which the decision must skip.
 */
export const orderRule = fc
  .record({
    ruleId: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
    version: fc.integer({ min: 1, max: 3 }),
    position: fc.integer({ min: 0, max: 5 }),
    when: fc.record(
      {
        skus: fc.constant([SKU]),
        skuPrefix: fc.constantFrom('S', 'X'),
        kinds: fc.subarray(['quantity', 'cardKey', 'unlimited', 'supplier'], { minLength: 1 }),
        channels: fc.subarray(['taobao', 'pdd'], { minLength: 1 }),
        minAmount: fc.integer({ min: 0, max: 2_000 }),
        maxAmount: fc.integer({ min: 0, max: 4_000 }),
        minQuantity: fc.integer({ min: 0, max: 4 }),
        maxQuantity: fc.integer({ min: 0, max: 8 }),
        buyerRefs: fc.subarray(['b1', 'b2'], { minLength: 1 }),
        buyerLevels: fc.constant(['vip']),
      },
      { requiredKeys: [] },
    ),
    then: fc.oneof(
      fc.constant({ type: 'hold' }),
      fc.integer({ min: 1, max: 100 }).map((priority) => ({ type: 'priority', priority })),
      fc.constantFrom('up-a', 'up-b').map((supplierId) => ({ type: 'route', supplierId })),
      fc.constant({ type: 'refuse', code: 'RULE.BLOCKED' }),
      fc.constant({ type: 'refuse', code: 'lower case is refused' }),
    ),
  })
  .map((rule) => rule as Record<string, unknown>);

const sale = fc.record(
  {
    unitPrice: fc.integer({ min: 0, max: 1_000 }),
    buyerRef: fc.constantFrom('b1', 'b2', 'b3'),
    buyerLevel: fc.constantFrom('vip', 'normal'),
  },
  { requiredKeys: [] },
);

/**
 * Small thresholds and caps so that a change often crosses the stock on hand or an order's size; a field
 * is sometimes left out (kept), sometimes null (removed), rarely invalid.
 */
const changeSkuSettings = template(
  'ChangeSkuSettings',
  fc.record(
    {
      lowStockThreshold: fc.oneof(
        { weight: 6, arbitrary: maybe(fc.integer({ min: 0, max: 8 })) },
        { weight: 1, arbitrary: fc.constant(-1) },
      ),
      perOrderCap: fc.oneof(
        { weight: 6, arbitrary: maybe(fc.integer({ min: 1, max: 6 })) },
        { weight: 1, arbitrary: fc.constant(0) },
      ),
      deliveryMode: fc.constantFrom('automatic', 'manual'),
    },
    { requiredKeys: [] },
  ),
);

/** Receipts of the SKU's own kind dominate; the other kind's come in rarely, to be rejected. */
const commandTemplate = (kind: StockKind): fc.Arbitrary<CommandTemplate> =>
  fc.oneof(
    { weight: kind === 'quantity' ? 5 : 1, arbitrary: receiveStock },
    { weight: kind === 'cardKey' ? 5 : 1, arbitrary: importCardKeys },
    {
      weight: 6,
      arbitrary: template(
        'ReserveStock',
        fc.record({
          channel,
          channelOrderId: orderId,
          lines: fc.array(fc.record({ quantity: quantity(4), poolId: rarely(poolId) }), {
            minLength: 1,
            maxLength: 2,
          }),
          ttl: fc.integer({ min: 1, max: 60 }),
          sale,
          orderRules: fc.array(orderRule, { maxLength: 4 }),
        }),
      ),
    },
    { weight: 6, arbitrary: template('ConfirmReservation', fc.record({ channel, channelOrderId: orderId })) },
    { weight: 1, arbitrary: template('RecordDelivery', fc.record({ channel, channelOrderId: orderId })) },
    { weight: 2, arbitrary: template('ReleaseReservation', fc.record({ channel, channelOrderId: orderId })) },
    { weight: 2, arbitrary: template('ExpireReservations', fc.constant({})) },
    {
      weight: 2,
      arbitrary: template(
        'AdjustStock',
        fc.record({
          adjustmentId: fc.constantFrom('a1', 'a2', 'a3', 'a4'),
          delta: fc.integer({ min: -6, max: 6 }),
          reason: fc.constantFrom('count-correction', 'reconciliation'),
        }),
      ),
    },
    { weight: kind === 'cardKey' ? 2 : 1, arbitrary: template('RedeemCardKey', fc.record({ unitId })) },
    { weight: kind === 'cardKey' ? 2 : 1, arbitrary: template('VoidCardKey', fc.record({ unitId })) },
    { weight: 1, arbitrary: template('RefundOrder', fc.record({ channel, channelOrderId: orderId })) },
    {
      weight: kind === 'cardKey' ? 2 : 1,
      arbitrary: template('RedeliverOrder', fc.record({ channel, channelOrderId: orderId })),
    },
    {
      weight: kind === 'cardKey' ? 2 : 1,
      arbitrary: template('ReplaceCardKey', fc.record({ channel, channelOrderId: orderId, unitId })),
    },
    {
      weight: kind === 'cardKey' ? 2 : 1,
      arbitrary: template(
        'AllocateCardKeys',
        fc.record(
          { channel, channelOrderId: orderId, unitIds: fc.array(unitId, { minLength: 1, maxLength: 3 }) },
          { requiredKeys: ['channel', 'channelOrderId'] },
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: template(
        'SetChannelPolicy',
        fc.record({
          channel,
          bufferQuantity: fc.integer({ min: 0, max: 3 }),
          sharePercent: fc.integer({ min: 0, max: 100 }),
          maxListed: maybe(fc.integer({ min: 0, max: 10 })),
          endWhenAtOrBelow: maybe(fc.integer({ min: 0, max: 3 })),
          unlimitedListed: fc.integer({ min: 0, max: 50 }),
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: template(
        'OpenDedicatedPool',
        fc.record({
          poolId,
          quantity: fc.integer({ min: 1, max: 6 }),
          perOrderCap: maybe(fc.integer({ min: 1, max: 3 })),
        }),
      ),
    },
    { weight: 1, arbitrary: template('CloseDedicatedPool', fc.record({ poolId })) },
    { weight: 2, arbitrary: changeSkuSettings },
  );

const step = (kind: StockKind): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({ advance: fc.integer({ min: 0, max: 5 }), make: commandTemplate(kind) }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        advance: fc.integer({ min: 0, max: 5 }),
        settle: fc.constantFrom<SettleType>(
          'ConfirmReservation',
          'ConfirmReservation',
          'ReleaseReservation',
          'RecordDelivery',
          'RedeemCardKey',
          'RefundOrder',
          'RedeliverOrder',
          'ReplaceCardKey',
          'AllocateCardKeys',
          'ReleaseHold',
        ),
        pick: fc.nat(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ advance: fc.integer({ min: 0, max: 5 }), replay: fc.nat() }) },
  );

export function scenario(
  kinds: readonly StockKind[] = ['quantity', 'cardKey', 'unlimited'],
): fc.Arbitrary<Scenario> {
  return fc.constantFrom(...kinds).chain((kind) =>
    fc.record({
      register: fc
        .record({
          lowStockThreshold: maybe(fc.integer({ min: 0, max: 5 })),
          perOrderCap: rarely(fc.integer({ min: 1, max: 6 })),
        })
        .map((data): InventoryCommand => ({
          type: 'RegisterSku',
          data: { sku: SKU, now: T0, kind, ...data },
        })),
      steps: fc.array(step(kind), { minLength: 10, maxLength: 40, size: 'max' }),
    }),
  );
}

/** Turns a template into a command at `now`; a reservation's ttl becomes an absolute expiresAt. */
export function materialize(template: CommandTemplate, now: number): InventoryCommand {
  const { ttl, ...rest } = template.data;
  const data = template.type === 'ReserveStock' ? { ...rest, expiresAt: now + (ttl as number) } : rest;
  return { type: template.type, data: { sku: SKU, now, ...data } } as InventoryCommand;
}
