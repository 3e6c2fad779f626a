import { HealthIndicatorService } from '@nestjs/terminus';
import type { KafkaConfig } from '@libs/config';
import type { MessageBus, RetryingPartition } from '@libs/messaging';
import { ConsumerHealthIndicator } from './consumer-health';

const config = { consumerRetryDegradedMs: 60_000 } as KafkaConfig;
const health = new HealthIndicatorService();
const busWith = (partitions: RetryingPartition[]) =>
  ({ retryingPartitions: () => partitions }) as unknown as MessageBus;
const retryingFor = (ms: number, partition = 0): RetryingPartition => ({
  topic: 'stock.channel-events',
  groupId: 'inventory-service',
  partition,
  since: new Date(Date.now() - ms),
});

describe('ConsumerHealthIndicator', () => {
  it('given no partition retrying, then it is up', async () => {
    await expect(new ConsumerHealthIndicator(health, config, busWith([])).isHealthy()).resolves.toEqual({
      consumers: { status: 'up' },
    });
  });

  it('given partitions retrying for less than the threshold, then it is up (a short blip is not degraded)', async () => {
    const indicator = new ConsumerHealthIndicator(health, config, busWith([retryingFor(5_000)]));
    await expect(indicator.isHealthy()).resolves.toEqual({ consumers: { status: 'up' } });
  });

  it('given a partition retrying past the threshold, then it is degraded (never down), naming the partition', async () => {
    const indicator = new ConsumerHealthIndicator(
      health,
      config,
      busWith([retryingFor(5_000, 1), retryingFor(90_000, 3)]),
    );
    const result = await indicator.isHealthy();
    expect(result.consumers.status).toBe('degraded');
    expect(result.consumers).toHaveProperty(
      'message',
      expect.stringContaining('inventory-service@stock.channel-events[3]'),
    );
    expect(result.consumers).toHaveProperty('message', expect.not.stringContaining('[1]'));
  });

  it('given an app without a message bus, then it is up', async () => {
    await expect(new ConsumerHealthIndicator(health, config).isHealthy()).resolves.toEqual({
      consumers: { status: 'up' },
    });
  });
});
