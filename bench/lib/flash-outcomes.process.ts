/**
 * The flash-sale benchmark's outcome consumer, in a process of its own: reads stock.order-outcomes until every
 * order has its answer, then prints one JSON line (accepted, rejected, last answer time, latency percentiles) and
 * exits. Prints "ready" once its group has joined. Env: KAFKA_BROKERS, FLASH_PREFIX, FLASH_ORDERS.
 */
import { OrderOutcomesTopic } from '@libs/messaging';
import { testKafkaBus } from '@libs/testing';
import { percentile } from './bench-infra';
import { sentAtOf } from './flash-orders';

async function main(): Promise<void> {
  const orders = Number(process.env.FLASH_ORDERS);
  const bus = testKafkaBus('connector-bench', process.env.FLASH_PREFIX!, { consumer: { maxWaitTimeMs: 20 } });
  const latencies: number[] = [];
  const answered = new Set<string>();
  let accepted = 0;
  let rejected = 0;
  let lastAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await bus.subscribe(OrderOutcomesTopic, 'flash-outcomes', async (batch) => {
    const now = Date.now();
    for (const m of batch.messages) {
      const id = m.envelope.payload.channelOrderId;
      if (answered.has(id)) continue;
      answered.add(id);
      latencies.push(now - sentAtOf(id));
      if (m.envelope.type === 'order.accepted') accepted++;
      else rejected++;
    }
    lastAt = now;
    if (answered.size >= orders) done();
  });
  await bus.start();
  console.log('ready');
  const timeout = setTimeout(done, 240_000);
  await finished;
  clearTimeout(timeout);
  await bus.stop();
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      accepted,
      rejected,
      lastAt,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
