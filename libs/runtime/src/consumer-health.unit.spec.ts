import type { KafkaConfig } from '@libs/config';
import type { MessageBus, RetryingPartition } from '@libs/messaging';
import { ConsumerRetryHealthCheck } from './consumer-health';

const config = { consumerRetryDegradedMs: 60_000 } as KafkaConfig;
const busWith = (partitions: RetryingPartition[]) => ({ retryingPartitions: () => partitions }) as unknown as MessageBus;
const retryingFor = (ms: number, partition = 0): RetryingPartition => ({
  topic: 'stock.channel-events',
  groupId: 'inventory-service',
  partition,
  since: new Date(Date.now() - ms),
});

describe('ConsumerRetryHealthCheck', () => {
  it('given no partition retrying, then it passes', async () => {
    await expect(new ConsumerRetryHealthCheck(config, busWith([])).check()).resolves.toBeUndefined();
  });

  it('given partitions retrying for less than the threshold, then it passes (a short blip is not degraded)', async () => {
    await expect(new ConsumerRetryHealthCheck(config, busWith([retryingFor(5_000)])).check()).resolves.toBeUndefined();
  });

  it('given a partition retrying past the threshold, then it fails naming the partition, with degraded severity', async () => {
    const check = new ConsumerRetryHealthCheck(config, busWith([retryingFor(5_000, 1), retryingFor(90_000, 3)]));
    expect(check.severity).toBe('degraded');
    await expect(check.check()).rejects.toThrow('inventory-service@stock.channel-events[3]');
  });

  it('given an app without a message bus, then it passes', async () => {
    await expect(new ConsumerRetryHealthCheck(config).check()).resolves.toBeUndefined();
  });
});
