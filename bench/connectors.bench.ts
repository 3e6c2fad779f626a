/**
 * The push path under a bursty load: CONN_RATE channel-target changes per second (default 5,000, spread over the
 * four channels) on CONN_SKUS SKUs (default 1,000, Zipf-distributed), published in bursts every 200 ms onto
 * stock.channel-targets on the real broker. Four connector pushers (the connector apps' own ChannelPusher with
 * the platform adapters, each in its own consumer group) push to the simulated platforms, which run in a
 * process of their own and answer after CONN_LATENCY_MS (default 20 ms).
 *
 * Reports per channel: platform stock calls per second, target changes per call (the coalescing ratio), and the
 * latency from a target being published to the platform acknowledging that version or a newer one.
 * Baseline, in the same run: a connector without the coalescing queue (one call per target change, the same
 * rate limit and concurrency) on Taobao, bounded to the same load duration plus the same drain time.
 *
 *   npm run bench -- bench/connectors.bench.ts   (CONN_RATE=5000 CONN_SKUS=1000 CONN_SECONDS=20)
 *   CONN_CALLS_PER_SECOND=N overrides every connector's default rate limit; CONN_CONCURRENCY calls in flight (2).
 */
import {
  ChannelMetrics,
  ChannelPusher,
  channelsMigrations,
  channelTargetHandler,
  channelTargetSubscription,
  MiniprogramAdapter,
  PinduoduoAdapter,
  type PlatformAdapter,
  PushStateStore,
  ShopAdapter,
  type StockTarget,
  TaobaoAdapter,
  TokenBucket,
} from '@libs/channels';
import { runMigrations } from '@libs/database';
import { ChannelTargetsTopic, type KafkaMessageBus, type OutgoingMessage } from '@libs/messaging';
import { deleteTopicsWithPrefix, testKafkaBus, uniqueTopicPrefix } from '@libs/testing';
import { Registry } from 'prom-client';
import { benchInfra, machine, percentile } from './lib/bench-infra';
import { type Platform, startSimulatorHost } from './lib/simulator-host';

const RATE = Number(process.env.CONN_RATE ?? 5_000);
const SKUS = Number(process.env.CONN_SKUS ?? 1_000);
const SECONDS = Number(process.env.CONN_SECONDS ?? 20);
const LATENCY_MS = Number(process.env.CONN_LATENCY_MS ?? 20);
const DRAIN_SECONDS = 30;
const CONCURRENCY = Number(process.env.CONN_CONCURRENCY ?? 2);
const BURST_EVERY_MS = 200;
const CHANNELS: Platform[] = ['taobao', 'pinduoduo', 'miniprogram', 'shop'];
/** The connector apps' defaults (calls per second per app key, burst); see apps/connector-*. */
const DEFAULT_LIMITS: Record<Platform, { ratePerSecond: number; burst: number }> = {
  taobao: { ratePerSecond: 20, burst: 20 },
  pinduoduo: { ratePerSecond: 40, burst: 10 },
  miniprogram: { ratePerSecond: 25, burst: 10 },
  shop: { ratePerSecond: 50, burst: 20 },
};

/** Publish times of the versions not yet acknowledged, per channel:SKU, oldest first. */
class AckTracker {
  private readonly pending = new Map<string, { version: number; at: number }[]>();
  readonly latencies = new Map<string, number[]>();
  /** Published → handed to the pusher (recorded as desired), per channel: the consumer's share of the latency. */
  readonly received = new Map<string, number[]>();
  published = new Map<string, number>();

  onPublished(channel: string, sku: string, version: number, at: number): void {
    const key = `${channel}:${sku}`;
    const list = this.pending.get(key);
    if (list) list.push({ version, at });
    else this.pending.set(key, [{ version, at }]);
    this.published.set(channel, (this.published.get(channel) ?? 0) + 1);
  }

  /** An acknowledged version settles itself and every older one still waiting. */
  onAcknowledged(channel: string, sku: string, version: number, at: number): void {
    const list = this.pending.get(`${channel}:${sku}`);
    if (!list) return;
    let settled = 0;
    while (settled < list.length && list[settled].version <= version) settled++;
    const latencies = this.latencies.get(channel) ?? [];
    for (const p of list.splice(0, settled)) latencies.push(at - p.at);
    this.latencies.set(channel, latencies);
  }

  unacknowledged(channel: string): number {
    let n = 0;
    for (const [key, list] of this.pending) if (key.startsWith(`${channel}:`)) n += list.length;
    return n;
  }
}

/** The platform adapter as the pusher sees it, reporting acknowledgements to the tracker. */
function measured(adapter: PlatformAdapter, tracker: AckTracker): PlatformAdapter {
  return {
    channel: adapter.channel,
    maxBatchSize: adapter.maxBatchSize,
    batchKeyOf: adapter.batchKeyOf?.bind(adapter),
    readListings: adapter.readListings.bind(adapter),
    deliverCardKeys: adapter.deliverCardKeys.bind(adapter),
    async push(targets, spendExtraCall) {
      const results = await adapter.push(targets, spendExtraCall);
      const now = Date.now();
      const bySku = new Map(targets.map((t) => [t.sku, t]));
      for (const r of results) {
        if (r.outcome === 'acknowledged')
          tracker.onAcknowledged(adapter.channel, r.sku, bySku.get(r.sku)!.skuVersion, now);
      }
      return results;
    },
  };
}

/** Zipf(1) over n ranks by inverse CDF on a precomputed table. */
function zipfSampler(n: number): () => number {
  const cdf: number[] = [];
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf.push((sum += 1 / k));
  return () => {
    const u = Math.random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function adaptersFor(urls: Record<Platform, string>): Record<Platform, PlatformAdapter> {
  return {
    taobao: new TaobaoAdapter({ baseUrl: urls.taobao, appKey: 'k', appSecret: 's', timeoutMs: 5_000 }),
    pinduoduo: new PinduoduoAdapter({
      baseUrl: urls.pinduoduo,
      clientId: 'k',
      clientSecret: 's',
      timeoutMs: 5_000,
    }),
    miniprogram: new MiniprogramAdapter({ baseUrl: urls.miniprogram, accessToken: 's', timeoutMs: 5_000 }),
    shop: new ShopAdapter({ baseUrl: urls.shop, apiSecret: 's', timeoutMs: 5_000 }),
  };
}

function limitsOf(channel: Platform): { ratePerSecond: number; burst: number } {
  const override = Number(process.env.CONN_CALLS_PER_SECOND ?? 0);
  return override > 0 ? { ratePerSecond: override, burst: Math.max(10, override) } : DEFAULT_LIMITS[channel];
}

/** Publishes the bursty load; returns when it is all acknowledged by the broker. */
async function publishLoad(
  bus: KafkaMessageBus,
  onPublished: (channel: Platform, sku: string, version: number, at: number) => void,
): Promise<{ published: number; seconds: number }> {
  const pick = zipfSampler(SKUS);
  const versions = new Array<number>(SKUS).fill(1);
  const perBurst = Math.round((RATE * BURST_EVERY_MS) / 1000);
  const started = Date.now();
  let published = 0;
  for (let burst = 0; burst < (SECONDS * 1000) / BURST_EVERY_MS; burst++) {
    const dueAt = started + burst * BURST_EVERY_MS;
    if (dueAt > Date.now()) await new Promise((r) => setTimeout(r, dueAt - Date.now()));
    const messages: OutgoingMessage<typeof ChannelTargetsTopic>[] = [];
    const at = Date.now();
    for (let i = 0; i < perBurst; i += CHANNELS.length) {
      const n = pick();
      const sku = `C-${n}`;
      const version = ++versions[n];
      const quantity = 1 + Math.floor(Math.random() * 50);
      for (const channel of CHANNELS) {
        messages.push({
          type: 'channel-target.set',
          payload: { channel, sku, quantity, skuVersion: version },
        });
        onPublished(channel, sku, version, at);
      }
    }
    await bus.publish(ChannelTargetsTopic, messages);
    published += messages.length;
  }
  return { published, seconds: (Date.now() - started) / 1000 };
}

async function waitUntil(done: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

function describe(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted[sorted.length - 1] ?? NaN} ms`;
}

async function main(): Promise<void> {
  const infra = await benchInfra('connectors');
  await runMigrations(infra.db.pool, channelsMigrations);
  const host = await startSimulatorHost({ key: 'k', secret: 's' });
  for (const channel of CHANNELS) {
    await host.seed({ platform: channel, prefix: 'C-', count: SKUS, offset: 0, driftEvery: 0, drift: 0 });
  }
  await host.setLatency(LATENCY_MS);
  const prefix = uniqueTopicPrefix('conn');
  const tracker = new AckTracker();
  const adapters = adaptersFor(host.urls);
  const store = new PushStateStore(infra.db.pool);
  const metrics = ChannelMetrics.for(new Registry());
  const buses: KafkaMessageBus[] = [];
  const pushers: ChannelPusher[] = [];
  for (const channel of CHANNELS) {
    const pusher = new ChannelPusher(measured(adapters[channel], tracker), store, metrics, {
      ...limitsOf(channel),
      concurrency: CONCURRENCY,
      backoff: { initialMs: 200, maxMs: 30_000 },
      circuit: { failureThreshold: 5, openMs: 10_000 },
    });
    await pusher.start();
    pushers.push(pusher);
    const handle = channelTargetHandler(pusher);
    const bus = testKafkaBus(`connector-${channel}`, prefix, { consumer: { maxWaitTimeMs: 20 } });
    await bus.subscribe(
      ChannelTargetsTopic,
      `connector-${channel}`,
      async (batch) => {
        await handle(batch);
        const now = Date.now();
        const received = tracker.received.get(channel) ?? [];
        for (const m of batch.messages) received.push(now - Date.parse(m.envelope.occurredAt));
        tracker.received.set(channel, received);
      },
      channelTargetSubscription(channel),
    );
    await bus.start();
    buses.push(bus);
  }
  const producer = testKafkaBus('bench-projector', prefix);
  await producer.start();
  // Let the four groups join before the clock starts.
  await new Promise((r) => setTimeout(r, 3_000));

  const callsBefore = await host.stockCalls();
  const load = await publishLoad(producer, (channel, sku, version, at) =>
    tracker.onPublished(channel, sku, version, at),
  );
  const loadEnded = Date.now();
  const callsAtLoadEnd = await host.stockCalls();
  await waitUntil(() => CHANNELS.every((c) => tracker.unacknowledged(c) === 0), DRAIN_SECONDS);
  const drainSeconds = (Date.now() - loadEnded) / 1000;
  const callsAfter = await host.stockCalls();
  for (const bus of buses) await bus.stop();
  for (const pusher of pushers) await pusher.stop();

  // Baseline: the same load on Taobao, one call per target change, same rate limit and concurrency.
  const baseline = await runBaseline(adapters.taobao, host);

  await producer.stop();
  await host.stop();
  await deleteTopicsWithPrefix(prefix);
  await infra.close();

  console.log(`machine: ${machine()}`);
  console.log(
    `load: ${load.published} target changes in ${load.seconds.toFixed(1)} s (${(load.published / load.seconds).toFixed(0)}/s, bursts every ${BURST_EVERY_MS} ms) over ${SKUS} SKUs × ${CHANNELS.length} channels, Zipf; platforms answer after ${LATENCY_MS} ms; ${CONCURRENCY} calls in flight per connector`,
  );
  console.log(`drain after the load: ${drainSeconds.toFixed(1)} s (bound ${DRAIN_SECONDS} s)`);
  for (const channel of CHANNELS) {
    const calls = callsAfter[channel] - callsBefore[channel];
    const callsDuringLoad = callsAtLoadEnd[channel] - callsBefore[channel];
    const changes = tracker.published.get(channel) ?? 0;
    const limit = limitsOf(channel);
    console.log(
      `  ${channel.padEnd(11)} ${changes} changes → ${calls} stock calls (${(callsDuringLoad / load.seconds).toFixed(1)} calls/s during the load, limit ${limit.ratePerSecond}/s); coalescing ${(changes / Math.max(1, calls)).toFixed(1)} changes per call; target→ack ${describe(tracker.latencies.get(channel) ?? [])} (of which published→queued ${describe(tracker.received.get(channel) ?? [])}); unacknowledged at the end ${tracker.unacknowledged(channel)}`,
    );
  }
  const taobaoLatencies = [...(tracker.latencies.get('taobao') ?? [])].sort((a, b) => a - b);
  console.log(
    `  baseline (taobao, one call per change): ${baseline.calls} calls for ${baseline.changes} changes; ${baseline.acknowledged} acknowledged within the same bound; target→ack ${describe(baseline.latencies)}`,
  );
  console.log(
    `  ratio baseline/coalescing on taobao: p99 target→ack ${(
      percentile(
        [...baseline.latencies].sort((a, b) => a - b),
        99,
      ) / percentile(taobaoLatencies, 99)
    ).toFixed(
      1,
    )}x (baseline p99 counts only what it acknowledged), changes left behind ${baseline.changes - baseline.acknowledged} vs ${tracker.unacknowledged('taobao')}`,
  );
}

/**
 * A connector without the latest-version queue: every target change becomes its own call, in arrival order,
 * behind the same token bucket and with the same concurrency. Driven by the same generator, without the broker
 * (which only makes the baseline look better).
 */
async function runBaseline(
  adapter: PlatformAdapter,
  host: { stockCalls(): Promise<Record<Platform, number>> },
): Promise<{ changes: number; calls: number; acknowledged: number; latencies: number[] }> {
  const queue: StockTarget[] = [];
  const latencies: number[] = [];
  const limit = limitsOf('taobao');
  const bucket = new TokenBucket(limit.ratePerSecond, limit.burst);
  let changes = 0;
  let acknowledged = 0;
  let producing = true;
  const deadline = Date.now() + (SECONDS + DRAIN_SECONDS) * 1000;
  const worker = async () => {
    while (Date.now() < deadline && (producing || queue.length > 0)) {
      const next = queue.shift();
      if (!next) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      await bucket.take(1);
      const [result] = await adapter.push([next]).catch(() => [undefined]);
      if (result?.outcome === 'acknowledged') {
        acknowledged++;
        latencies.push(Date.now() - next.publishedAt);
      }
    }
  };
  const callsBefore = (await host.stockCalls()).taobao;
  const workers = Array.from({ length: CONCURRENCY }, () => worker());
  const pick = zipfSampler(SKUS);
  const versions = new Array<number>(SKUS).fill(1_000_000);
  const perBurst = Math.round((RATE * BURST_EVERY_MS) / 1000 / CHANNELS.length);
  const started = Date.now();
  for (let burst = 0; burst < (SECONDS * 1000) / BURST_EVERY_MS; burst++) {
    const dueAt = started + burst * BURST_EVERY_MS;
    if (dueAt > Date.now()) await new Promise((r) => setTimeout(r, dueAt - Date.now()));
    const at = Date.now();
    for (let i = 0; i < perBurst; i++) {
      const n = pick();
      queue.push({
        sku: `C-${n}`,
        quantity: 1 + Math.floor(Math.random() * 50),
        skuVersion: ++versions[n],
        publishedAt: at,
      });
      changes++;
    }
  }
  producing = false;
  await Promise.all(workers);
  return { changes, calls: (await host.stockCalls()).taobao - callsBefore, acknowledged, latencies };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
