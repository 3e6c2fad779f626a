/**
 * The flash-sale benchmark's producer, in a process of its own: publishes the orders, prints one JSON line
 * ({"startedAt","finishedAt"} in epoch ms) and exits. Env: KAFKA_BROKERS, FLASH_PREFIX, FLASH_SKU, FLASH_ORDERS,
 * PUBLISH_CHUNK.
 */
import { testKafkaBus } from '@libs/testing';
import { publishFlashOrders } from './flash-orders';

async function main(): Promise<void> {
  const bus = testKafkaBus('connector-bench', process.env.FLASH_PREFIX!);
  await bus.start();
  const startedAt = Date.now();
  await publishFlashOrders(
    bus,
    process.env.FLASH_SKU!,
    Number(process.env.FLASH_ORDERS),
    Number(process.env.PUBLISH_CHUNK ?? 250),
    Date.now() + 240_000,
  );
  const finishedAt = Date.now();
  await bus.stop();
  console.log(JSON.stringify({ startedAt, finishedAt }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
