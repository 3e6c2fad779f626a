import { ALL_TOPICS, Topics } from './topics';
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
});
