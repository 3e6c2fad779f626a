import { InMemoryMessageBus, silentLogger, Topics } from '@libs/messaging';
import { Registry } from 'prom-client';
import { messagingMetrics } from './messaging-metrics';

async function until(predicate: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await predicate())) await new Promise((r) => setTimeout(r, 10));
}

async function value(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

describe('messaging metrics while a dependency is down', () => {
  it('given a handler failing transiently, then the partition counts as retrying until it succeeds', async () => {
    const registry = new Registry();
    const bus = new InMemoryMessageBus({
      source: 'metrics-test',
      logger: silentLogger,
      handlerRetry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 5 },
      observer: messagingMetrics(registry),
    });
    await bus.start();
    let down = true;
    let calls = 0;
    await bus.subscribe(Topics.channelEvents, 'metrics-consumer', async () => {
      calls += 1;
      if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    await bus.publish(Topics.channelEvents, [
      { type: 'stock.restocked', payload: { sku: 'sku-m', batchId: 'b', quantity: 1 } },
    ]);
    try {
      await until(() => calls > 5);
      expect(await value(registry, 'stocksync_consumer_partitions_retrying')).toBe(1);
      expect(await value(registry, 'stocksync_consumer_transient_failures_total')).toBeGreaterThanOrEqual(5);

      down = false;
      await until(async () => (await value(registry, 'stocksync_messages_handled_total')) === 1);
      expect(await value(registry, 'stocksync_consumer_partitions_retrying')).toBe(0);
      expect(await value(registry, 'stocksync_dead_letters_total')).toBe(0);
    } finally {
      await bus.stop();
    }
  });
});
