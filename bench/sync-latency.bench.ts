/**
 * Sync latency: Zipf-distributed sales on many SKUs, from the sale produced on stock.channel-events to the last
 * of the four channel targets published on stock.channel-targets, through the real broker, the inventory
 * service and the projector (both booted as the apps they are). Every channel lists 100% of the stock with no
 * cap, so every accepted sale changes all four targets.
 *
 * The inventory service runs as SYNC_OWNERS processes (default 1) from its own main.ts, sharing the partitions of
 * the SKU lane in one consumer group; the projector runs in this process.
 *
 *   npm run bench -- bench/sync-latency.bench.ts   (SYNC_SKUS=10000 SYNC_RATE=2000 SYNC_SECONDS=60 SYNC_OWNERS=2)
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { PostgresEventStore } from '@libs/event-store';
import type { InventoryCommand } from '@libs/inventory';
import { createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import {
  ChannelEventsTopic,
  ChannelTargetsTopic,
  OrderOutcomesTopic,
  type OutgoingMessage,
} from '@libs/messaging';
import { startApp } from '@libs/runtime';
import { deleteTopicsWithPrefix, testKafkaBus, uniqueTopicPrefix } from '@libs/testing';
import { ProjectorModule } from '../apps/projector/src/projector.module';
import { startServiceProcess, type ServiceProcess } from '../test/service-process';
import { benchInfra, machine, percentile } from './lib/bench-infra';

const SKUS = Number(process.env.SYNC_SKUS ?? 10_000);
const RATE = Number(process.env.SYNC_RATE ?? 2_000);
const SECONDS = Number(process.env.SYNC_SECONDS ?? 60);
const OWNERS = Number(process.env.SYNC_OWNERS ?? 1);
const DRAIN_SECONDS = 60;
const CHANNELS = ['taobao', 'pinduoduo', 'miniprogram', 'shop'];

async function main(): Promise<void> {
  const infra = await benchInfra('sync');
  const prefix = uniqueTopicPrefix('sync');
  const saved = { ...process.env };
  Object.assign(process.env, {
    DATABASE_URL: infra.db.url,
    KAFKA_TOPIC_PREFIX: prefix,
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
  });

  const handler = createInventoryBatchHandler(await PostgresEventStore.create(infra.db.pool), {
    snapshotEvery: 0,
  });
  const skus = Array.from({ length: SKUS }, (_, i) => `Z-${i}`);
  const now = Date.now();
  for (let i = 0; i < skus.length; i += 1000) {
    const commands = skus.slice(i, i + 1000).flatMap((sku) => {
      const list: InventoryCommand[] = [
        { type: 'RegisterSku', data: { sku, now, kind: 'quantity' } },
        ...CHANNELS.map((channel): InventoryCommand => ({
          type: 'SetChannelPolicy',
          data: { sku, now, channel, bufferQuantity: 0, sharePercent: 100 },
        })),
        { type: 'ReceiveStock', data: { sku, now, batchId: 'opening', quantity: 100_000 } },
      ];
      return list.map((command, k) => ({
        streamId: skuStreamId(sku),
        commandId: `seed-${sku}-${k}`,
        command,
      }));
    });
    await handler.handleBatch(commands);
  }

  const owners: ServiceProcess[] = await Promise.all(
    Array.from({ length: OWNERS }, () =>
      startServiceProcess('inventory-service', {
        DATABASE_URL: infra.db.url,
        KAFKA_TOPIC_PREFIX: prefix,
        LOG_LEVEL: 'error',
      }),
    ),
  );
  await Promise.all(owners.map((o) => o.ready(120_000)));
  const apps: INestApplication[] = [(await startApp(ProjectorModule)).app];
  const bus = testKafkaBus('bench-connector', prefix);
  const producedAt = new Map<string, number>();
  /** Per SKU, sales waiting for targets: the version decided, when it was produced, when each channel caught up. */
  const waiting = new Map<string, { version: number; producedAt: number; caughtUp: Map<string, number> }[]>();
  /**
   * Per SKU and channel, the newest target version seen and when. A target can arrive before the bench reads the
   * sale's answer (two topics, two consumers): the sale then finds its targets here instead of waiting for the
   * SKU's next sale, which on a rarely sold SKU would have counted seconds that were not there.
   */
  const newestTarget = new Map<string, Map<string, { version: number; at: number }>>();
  const latencies: number[] = [];
  const decided: number[] = [];
  let accepted = 0;
  const settle = (sku: string) => {
    const list = waiting.get(sku);
    if (!list) return;
    for (const w of list) {
      for (const [channel, seen] of newestTarget.get(sku) ?? [])
        if (seen.version >= w.version && !w.caughtUp.has(channel)) w.caughtUp.set(channel, seen.at);
      if (w.caughtUp.size === CHANNELS.length)
        latencies.push(Math.max(...w.caughtUp.values()) - w.producedAt);
    }
    waiting.set(
      sku,
      list.filter((w) => w.caughtUp.size < CHANNELS.length),
    );
  };
  await bus.subscribe(OrderOutcomesTopic, 'bench-connector', async (batch) => {
    for (const { envelope } of batch.messages) {
      if (envelope.type !== 'order.accepted') continue;
      const t = producedAt.get(envelope.payload.channelOrderId);
      if (t === undefined) continue;
      accepted++;
      decided.push(performance.now() - t);
      const list = waiting.get(envelope.payload.sku) ?? [];
      list.push({ version: envelope.payload.skuVersion, producedAt: t, caughtUp: new Map() });
      waiting.set(envelope.payload.sku, list);
      settle(envelope.payload.sku);
    }
  });
  let targetsSeen = 0;
  await bus.subscribe(ChannelTargetsTopic, 'bench-platforms', async (batch) => {
    const t = performance.now();
    targetsSeen += batch.messages.length;
    for (const { envelope } of batch.messages) {
      const { sku, channel, skuVersion } = envelope.payload;
      const perChannel = newestTarget.get(sku) ?? new Map<string, { version: number; at: number }>();
      if ((perChannel.get(channel)?.version ?? -1) < skuVersion)
        perChannel.set(channel, { version: skuVersion, at: t });
      newestTarget.set(sku, perChannel);
      settle(sku);
    }
  });
  await bus.start();

  // Zipf weights (s = 1) over the SKUs, sampled by binary search on the cumulative sum.
  const cumulative: number[] = [];
  skus.reduce((acc, _, i) => (cumulative[i] = acc + 1 / (i + 1)), 0);
  const total = cumulative[cumulative.length - 1];
  const pick = () => {
    const r = Math.random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return skus[lo];
  };

  // The seed is tens of thousands of events: the clock starts once the projector has projected them and every
  // seed target has come through, or the first sales would measure the catch-up, not the sync.
  const warmUpStarted = performance.now();
  // Every SKU's four targets, then two quiet seconds (the seed publishes some SKUs' targets more than once).
  let lastCount = -1;
  let quietSince = performance.now();
  while (performance.now() - warmUpStarted < 300_000) {
    if (targetsSeen !== lastCount) {
      lastCount = targetsSeen;
      quietSince = performance.now();
    } else if (targetsSeen >= SKUS * CHANNELS.length && performance.now() - quietSince >= 2_000) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const warmUpSeconds = (performance.now() - warmUpStarted) / 1000;
  const seedTargets = targetsSeen;

  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const started = performance.now();
  let produced = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE) - produced;
    if (due > 0) {
      const chunk: OutgoingMessage<typeof ChannelEventsTopic>[] = [];
      for (let i = 0; i < Math.min(due, 500); i++) {
        const channel = CHANNELS[(produced + i) % CHANNELS.length];
        const channelOrderId = `s-${produced + i}`;
        chunk.push({
          type: 'order.placed',
          eventId: randomUUID(),
          payload: { channel, channelOrderId, sku: pick(), lines: [{ quantity: 1 }], expiresAt },
        });
      }
      const t = performance.now();
      for (const m of chunk) producedAt.set((m.payload as { channelOrderId: string }).channelOrderId, t);
      await bus.publish(ChannelEventsTopic, chunk);
      produced += chunk.length;
    } else {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const producing = (performance.now() - started) / 1000;
  const drainUntil = Date.now() + DRAIN_SECONDS * 1000;
  while (latencies.length < produced && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 100));

  await bus.stop();
  for (const app of apps) await app.close();
  await Promise.all(owners.map((o) => o.stop()));
  process.env = saved;
  await deleteTopicsWithPrefix(prefix);
  await infra.close();

  latencies.sort((a, b) => a - b);
  decided.sort((a, b) => a - b);
  console.log(`machine: ${machine()}`);
  console.log(
    `sync latency: ${SKUS} SKUs, Zipf sales, target ${RATE}/s for ${SECONDS} s, four channels, ${OWNERS} inventory-service process(es)`,
  );
  console.log(
    `  warm-up: the projector projected the seed and its ${seedTargets} targets came through in ${warmUpSeconds.toFixed(1)} s, before the clock started`,
  );
  console.log(
    `  produced ${produced} sales in ${producing.toFixed(1)} s (${(produced / producing).toFixed(0)}/s achieved); ${accepted} accepted`,
  );
  console.log(
    `  sales whose four targets were all published within the run + ${DRAIN_SECONDS} s drain: ${latencies.length}`,
  );
  console.log(
    `  sale produced → last of four targets published: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies[latencies.length - 1]?.toFixed(0)} ms`,
  );
  console.log(
    `  of which sale produced → decision answered: p50 ${percentile(decided, 50).toFixed(0)} ms, p99 ${percentile(decided, 99).toFixed(0)} ms`,
  );
  console.log(
    `  baseline (today's polling tools): 10–15 minutes; ratio at p99: ${((12.5 * 60_000) / percentile(latencies, 99)).toFixed(0)}x faster`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
