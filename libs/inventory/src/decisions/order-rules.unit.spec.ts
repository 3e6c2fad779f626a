import fc from 'fast-check';
import {
  generalAvailable,
  mergedRejections,
  InventoryEvent,
  orderRecordOf,
  orderRuleProblem,
  orderRuling,
  stockLevels,
  type OrderRule,
} from '@libs/inventory';
import { given } from '../../test/decider-specification';
import { orderRule, scenario } from '../../test/arbitraries';
import {
  command,
  confirm,
  event,
  keysImported,
  MINUTE,
  registeredCardKeys,
  registeredQuantity,
  received,
  SKU,
  T0,
} from '../../test/fixtures';
import { runScenario } from '../../test/run-scenario';

const rule = (
  ruleId: string,
  then: OrderRule['then'],
  when: OrderRule['when'] = {},
  position = 0,
): OrderRule => ({
  ruleId,
  version: 1,
  position,
  when,
  then,
});
const sale = { unitPrice: 3000, buyerRef: 'buyer-9', buyerLevel: 'vip' };
const place = (channelOrderId: string, quantity: number, orderRules: OrderRule[], extra: object = {}) =>
  command('ReserveStock', {
    channel: 'taobao',
    channelOrderId,
    lines: [{ quantity }],
    expiresAt: T0 + 15 * MINUTE,
    sale,
    orderRules,
    ...extra,
  });
const placed = (channelOrderId: string, quantity: number, ruling?: object) =>
  event('StockReserved', {
    channel: 'taobao',
    channelOrderId,
    lines: [{ quantity, poolId: null, endless: 0 }],
    quantity,
    expiresAt: T0 + 15 * MINUTE,
    sale,
    ...(ruling === undefined ? {} : { ruling }),
  });
const cardKeys = [registeredCardKeys(), keysImported(4)];

describe('order rules (订单自动化)', () => {
  describe('refuse', () => {
    it('given a rule refusing a buyer, when that buyer orders, then the order is refused with the rule and its code, and the stock stays', () => {
      const refused = given(cardKeys).when(
        place('o1', 1, [
          rule('no-b9', { type: 'refuse', code: 'BLOCKED_BUYER' }, { buyerRefs: ['buyer-9'] }),
        ]),
      );
      refused.then([
        event('ReservationRejected', {
          channel: 'taobao',
          channelOrderId: 'o1',
          reason: 'ORDER_RULE_REFUSED',
          requested: 1,
          rule: { ruleId: 'no-b9', version: 1, code: 'BLOCKED_BUYER' },
        }),
      ]);
      expect(stockLevels(refused.state).available).toBe(4);
    });

    it('given the same refusal among a batch’s rejections, when they are stored as one event, then the rule stays with its order', () => {
      const refusal = given(cardKeys).when(
        place('o1', 1, [rule('no-b9', { type: 'refuse', code: 'BLOCKED_BUYER' })]),
      ).events;
      const merged = mergedRejections(refusal as never);
      expect(merged.data.rejections[0]).toMatchObject({ rule: { ruleId: 'no-b9', code: 'BLOCKED_BUYER' } });
    });

    it('given a rule on another channel, SKU, amount or level, when the order does not match, then it is reserved as usual', () => {
      const refuse = { type: 'refuse', code: 'NO' } as const;
      for (const when of [
        { channels: ['pdd'] },
        { skus: ['OTHER'] },
        { skuPrefix: 'X' },
        { minAmount: 3001 },
        { maxQuantity: 0 },
        { buyerLevels: ['wholesale'] },
        { kinds: ['quantity' as const] },
      ]) {
        given(cardKeys)
          .when(place('o1', 1, [rule('r', refuse, when)]))
          .then([placed('o1', 1)]);
      }
    });
  });

  describe('hold for review', () => {
    const hold = [rule('big', { type: 'hold' }, { minQuantity: 2 })];
    const heldOrder = [...cardKeys, placed('o1', 2, { hold: { ruleId: 'big', version: 1 } })];

    it('given a hold rule, when a matching order is paid, then it waits in the manual queue with its keys held', () => {
      given(cardKeys)
        .when(place('o1', 2, hold))
        .then([heldOrder[2] as InventoryEvent]);
      const paid = given(heldOrder).when(confirm('o1'));
      expect(paid.events).toMatchObject([
        { type: 'ReservationConfirmed', data: { allocatedUnitIds: [], awaitingKeys: 2 } },
      ]);
      expect(orderRecordOf(paid.state, 'taobao', 'o1')).toMatchObject({ status: 'awaiting-keys' });
      expect(stockLevels(paid.state)).toMatchObject({ onHand: 4, reserved: 2, available: 2 });
    });

    it('given a held paid order, when an operator releases it, then it gets the first keys and the hold is gone', () => {
      const paid = given(heldOrder).when(confirm('o1'));
      const released = given([...heldOrder, ...paid.events]).when(
        command('ReleaseHold', { channel: 'taobao', channelOrderId: 'o1', actor: 'op:1' }),
      );
      released.then([
        event('KeysAllocatedManually', {
          channel: 'taobao',
          channelOrderId: 'o1',
          unitIds: ['k1', 'k2'],
          actor: 'op:1',
        }),
      ]);
      const record = orderRecordOf(released.state, 'taobao', 'o1');
      expect(record).toMatchObject({ status: 'confirmed', allocatedUnitIds: ['k1', 'k2'] });
      expect(record?.held).toBeUndefined();
      given([...heldOrder, ...paid.events, ...released.events])
        .when(command('ReleaseHold', { channel: 'taobao', channelOrderId: 'o1' }))
        .thenRejects('NOT_HELD');
    });

    it('refuses a release for an order no rule holds, and for one not paid yet', () => {
      given([...cardKeys, placed('o1', 1)])
        .when(command('ReleaseHold', { channel: 'taobao', channelOrderId: 'o1' }))
        .thenRejects('NOT_HELD');
      given(heldOrder)
        .when(command('ReleaseHold', { channel: 'taobao', channelOrderId: 'o1' }))
        .thenRejects('NOT_PAID');
    });
  });

  describe('priority and route', () => {
    it('given a priority rule and a route rule, when an order matches both, then both are recorded on it', () => {
      const result = given(cardKeys).when(
        place('o1', 1, [
          rule('vip', { type: 'priority', priority: 90 }, { buyerLevels: ['vip'] }),
          rule('to-b', { type: 'route', supplierId: 'up-b' }),
        ]),
      );
      result.then([
        placed('o1', 1, {
          priority: { ruleId: 'vip', version: 1, priority: 90 },
          route: { ruleId: 'to-b', version: 1, supplierId: 'up-b' },
        }),
      ]);
      expect(orderRecordOf(result.state, 'taobao', 'o1')).toMatchObject({ priority: 90, routeTo: 'up-b' });
    });

    it('takes the first rule of an action by position, whatever order the rules come in', () => {
      const a = rule('a', { type: 'priority', priority: 10 }, {}, 2);
      const b = rule('b', { type: 'priority', priority: 50 }, {}, 1);
      const facts = { sku: SKU, kind: 'cardKey' as const, channel: 'taobao', quantity: 1 };
      expect(orderRuling([a, b], facts)).toEqual({ priority: { ruleId: 'b', version: 1, priority: 50 } });
      expect(orderRuling([b, a], facts)).toEqual(orderRuling([a, b], facts));
    });
  });

  it('skips a malformed rule and says what is wrong with it', () => {
    expect(orderRuleProblem(rule('r', { type: 'refuse', code: 'lower' }))).toMatch(/then.code/);
    expect(orderRuleProblem(rule('r', { type: 'priority', priority: 0 }))).toMatch(/then.priority/);
    expect(orderRuleProblem({ ...rule('r', { type: 'hold' }), when: { minAmount: -1 } })).toMatch(
      /minAmount/,
    );
    const ignored = given([registeredQuantity(), received(3)]).when(
      place('o1', 1, [rule('r', { type: 'refuse', code: 'lower case' })]),
    );
    expect(ignored.events.map((e) => e.type)).toEqual(['StockReserved']);
  });

  it('never lets any rule oversell: whatever the rules, reserved never passes on hand', () => {
    fc.assert(
      fc.property(scenario(), (s) => {
        runScenario(s, ({ after, command: c }) => {
          const { onHand, reserved } = after.counters;
          if (onHand - reserved < 0 || generalAvailable(after) < 0)
            throw new Error(`oversold after ${JSON.stringify(c)}: ${JSON.stringify(after.counters)}`);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('answers the same ruling for the same rules in any order', () => {
    fc.assert(
      fc.property(
        fc.array(orderRule, { maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        (rules, quantity) => {
          const facts = { sku: SKU, kind: 'cardKey' as const, channel: 'taobao', quantity, sale };
          expect(orderRuling([...rules].reverse(), facts)).toEqual(orderRuling(rules, facts));
        },
      ),
    );
  });
});
