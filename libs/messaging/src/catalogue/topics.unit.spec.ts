import { ALL_TOPICS, Topics } from './topics';
import { MAX_LINE_QUANTITY, MAX_ORDER_QUANTITY } from '@libs/inventory';
import { encodeMessage } from '../codec';
import { topicName } from './define-topic';

describe('topic catalogue', () => {
  it('declares each topic once, with the agreed names, partitions and cleanup policies', () => {
    expect(
      ALL_TOPICS.map((t) => [t.id, t.name, t.defaultPartitions, t.cleanupPolicy, t.keyDescription]),
    ).toEqual([
      ['channelEvents', 'stock.channel-events', 6, 'delete', 'SKU'],
      ['orderOutcomes', 'stock.order-outcomes', 6, 'delete', 'channel:channelOrderId'],
      ['channelTargets', 'stock.channel-targets', 6, 'compact', 'channel:SKU'],
      ['deadLetters', 'stock.dlq', 1, 'delete', 'source topic:partition'],
      ['commandReplies', 'stock.command-replies', 3, 'delete', 'requester instance id'],
      ['afterSales', 'stock.after-sales', 3, 'delete', 'channel:channelOrderId'],
      ['alerts', 'stock.alerts', 3, 'delete', 'kind:key'],
      ['supplierOrders', 'stock.supplier-orders', 3, 'delete', 'channel:channelOrderId'],
    ]);
    expect(new Set(ALL_TOPICS.map((t) => t.name)).size).toBe(ALL_TOPICS.length);
  });

  it('derives each key from the payload', () => {
    expect(Topics.channelEvents.key({ sku: 'S1', channel: 'taobao', channelOrderId: 'o1' })).toBe('S1');
    expect(Topics.orderOutcomes.key({ channel: 'pinduoduo', channelOrderId: 'o:7' } as never)).toBe(
      'pinduoduo:o:7',
    );
    expect(Topics.channelTargets.key({ channel: 'shop', sku: 'S1', quantity: 3, skuVersion: 9 })).toBe(
      'shop:S1',
    );
    // A command for a SKU rides that SKU's partition of the lane; its answer, the requester's.
    expect(
      Topics.channelEvents.key({
        sku: 'S1',
        commandId: 'c',
        commandType: 'ReceiveStock',
        actor: 'a',
      } as never),
    ).toBe('S1');
    expect(Topics.commandReplies.key({ replyTo: 'api-1', commandId: 'c', sku: 'S1' } as never)).toBe('api-1');
    // A platform's after-sales case and the seller's answer to it ride the order's partition.
    expect(
      Topics.afterSales.key({ channel: 'shop', channelOrderId: 'o1', platformCaseId: 'c1' } as never),
    ).toBe('shop:o1');
    // One alert's raised and resolved stay in order: keyed by what it is about within its kind.
    expect(Topics.alerts.key({ kind: 'LOW_STOCK', key: 'S1' } as never)).toBe('LOW_STOCK:S1');
  });

  it('prefixes names for an environment or a test run', () => {
    expect(topicName(Topics.channelTargets, 'staging.')).toBe('staging.stock.channel-targets');
    expect(topicName(Topics.channelTargets)).toBe('stock.channel-targets');
  });

  it('gives every message type a schema version', () => {
    for (const topic of ALL_TOPICS) {
      for (const schema of Object.values(topic.messages)) expect(schema.schemaVersion).toBe(1);
    }
  });

  describe('bounds in the schemas', () => {
    const placed =
      (quantities: number[], sku = 'S1') =>
      () =>
        encodeMessage(
          Topics.channelEvents,
          {
            type: 'order.placed',
            payload: {
              channel: 'taobao',
              channelOrderId: 'T1',
              sku,
              lines: quantities.map((quantity) => ({ quantity })),
              expiresAt: '2026-06-01T12:00:00.000Z',
            },
          },
          'test',
        );
    const restocked = (quantity: number) => () =>
      encodeMessage(
        Topics.channelEvents,
        { type: 'stock.restocked', payload: { sku: 'S1', batchId: 'b1', quantity } },
        'test',
      );
    const adjusted = (delta: number) => () =>
      encodeMessage(
        Topics.channelEvents,
        {
          type: 'stock.adjusted',
          payload: { sku: 'S1', adjustmentId: 'a1', delta, reason: 'count-correction' },
        },
        'test',
      );
    const target =
      (quantity: number, skuVersion = 1) =>
      () =>
        encodeMessage(
          Topics.channelTargets,
          { type: 'channel-target.set', payload: { channel: 'shop', sku: 'S1', quantity, skuVersion } },
          'test',
        );

    it('refuses an order line above the domain ceiling (2^31 and 1e300 included)', () => {
      expect(placed([MAX_LINE_QUANTITY])).not.toThrow();
      for (const q of [MAX_LINE_QUANTITY + 1, 2 ** 31, 1e300]) expect(placed([q])).toThrow(/quantity/);
    });

    it('refuses an order whose lines for one SKU add up above the order ceiling', () => {
      const half = Math.ceil(MAX_ORDER_QUANTITY / 2);
      expect(placed([half, MAX_ORDER_QUANTITY - half])).not.toThrow();
      expect(placed([half, half + 1])).toThrow(/lines/);
    });

    it('refuses restocks, adjustments and targets that are not safe integers within their bounds', () => {
      expect(restocked(1_000_000_000)).not.toThrow();
      for (const q of [1e300, 2 ** 53]) expect(restocked(q)).toThrow(/quantity/);
      expect(adjusted(-1_000_000_000)).not.toThrow();
      for (const d of [1e300, -1e300]) expect(adjusted(d)).toThrow(/delta/);
      expect(target(2 ** 31)).not.toThrow();
      expect(target(1e300)).toThrow(/quantity/);
      expect(target(1, 1e300)).toThrow(/skuVersion/);
    });

    it('refuses an id with a zero-width character', () => {
      expect(placed([1], 'S\u200B1')).toThrow(/IDENTIFIER.FORMAT_CHARACTER/);
    });
  });
});
