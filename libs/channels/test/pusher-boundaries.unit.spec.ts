import {
  ChannelMetrics,
  ChannelPusher,
  type ChannelPusherOptions,
  parseRetryAfterMs,
  type PlatformAdapter,
  PlatformCallError,
  type PushStateStore,
  type StockTarget,
} from '@libs/channels';
import { Registry } from 'prom-client';

const MAX_TIMER_MS = 2 ** 31 - 1;

const options = (extra: Partial<ChannelPusherOptions> = {}): ChannelPusherOptions => ({
  ratePerSecond: 1_000,
  burst: 100,
  concurrency: 1,
  backoff: { initialMs: 1, maxMs: 5 },
  circuit: { failureThreshold: 100, openMs: 100 },
  ...extra,
});

/** An in-memory push-state store whose writes can be made to fail like a database that went away. */
function memoryStore() {
  const calls: string[] = [];
  const failing = new Set<string>();
  const connectionLost = () =>
    Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
  const write = (name: string) => async () => {
    calls.push(name);
    if (failing.has(name)) throw connectionLost();
  };
  const store = {
    load: async () => [],
    recordDesired: write('recordDesired'),
    recordPushed: write('recordPushed'),
    recordAcknowledged: write('recordAcknowledged'),
    recordError: write('recordError'),
  } as unknown as PushStateStore;
  return { store, calls, failing };
}

/** A platform that answers with the scripted outcomes in turn, then acknowledges everything. */
function scriptedPlatform(script: ((targets: readonly StockTarget[]) => never)[]) {
  const pushes: string[][] = [];
  const adapter: PlatformAdapter = {
    channel: 'shop',
    maxBatchSize: 10,
    push: async (targets) => {
      pushes.push(targets.map((t) => t.sku));
      const step = script.shift();
      if (step) step(targets);
      return targets.map((t) => ({ sku: t.sku, outcome: 'acknowledged' as const }));
    },
    readListings: async () => ({ items: [] }),
    deliverCardKeys: async () => undefined,
  };
  return { adapter, pushes };
}

const target = (sku: string, skuVersion = 1): StockTarget => ({
  sku,
  quantity: 5,
  skuVersion,
  publishedAt: Date.now(),
});

async function until(probe: () => boolean | Promise<boolean>, label: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function counterValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = (metric?.values ?? []).find((v) =>
    Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l),
  );
  return value?.value ?? 0;
}

describe('channel pusher: Retry-After is clamped', () => {
  let pusher: ChannelPusher | undefined;
  afterEach(async () => {
    await pusher?.stop();
    jest.restoreAllMocks();
  });

  it('given a 429 with Retry-After: 3000000 (about 35 days), when the clamp is 50 ms, then the push is retried after the clamp, counted, and no timer is asked for more than 2^31-1 ms', async () => {
    const timers = jest.spyOn(global, 'setTimeout');
    const registry = new Registry();
    const { store } = memoryStore();
    const { adapter, pushes } = scriptedPlatform([
      () => {
        throw new PlatformCallError('HTTP_429', 'platform answered 429', true, parseRetryAfterMs('3000000'));
      },
    ]);
    pusher = new ChannelPusher(
      adapter,
      store,
      ChannelMetrics.for(registry),
      options({ maxRetryAfterMs: 50 }),
    );
    await pusher.start();

    await pusher.offer([target('SKU-1')]);
    await until(() => pushes.length >= 2, 'the second push');

    expect(pushes).toEqual([['SKU-1'], ['SKU-1']]);
    expect(
      await counterValue(registry, 'stocksync_connector_retry_after_clamped_total', { channel: 'shop' }),
    ).toBe(1);
    const delays = timers.mock.calls.map(([, ms]) => Number(ms ?? 0));
    expect(delays.filter((ms) => !(ms <= MAX_TIMER_MS))).toEqual([]);
  });

  it('given a Retry-After below the clamp, when the platform throttles, then it is honoured and not counted as clamped', async () => {
    const registry = new Registry();
    const { store } = memoryStore();
    const { adapter, pushes } = scriptedPlatform([
      () => {
        throw new PlatformCallError('HTTP_429', 'platform answered 429', true, 20);
      },
    ]);
    pusher = new ChannelPusher(
      adapter,
      store,
      ChannelMetrics.for(registry),
      options({ maxRetryAfterMs: 60_000 }),
    );
    await pusher.start();

    await pusher.offer([target('SKU-1')]);
    await until(() => pushes.length >= 2, 'the second push');

    expect(
      await counterValue(registry, 'stocksync_connector_retry_after_clamped_total', { channel: 'shop' }),
    ).toBe(0);
  });
});

describe('channel pusher: our database is not the platform', () => {
  let pusher: ChannelPusher | undefined;
  afterEach(async () => {
    await pusher?.stop();
  });

  it('given the database fails while targets are recorded as desired, when the handler offers them, then the transient database error reaches the bus unchanged', async () => {
    const { store, failing } = memoryStore();
    failing.add('recordDesired');
    const { adapter } = scriptedPlatform([]);
    pusher = new ChannelPusher(adapter, store, ChannelMetrics.for(new Registry()), options());
    await pusher.start();

    await expect(pusher.offer([target('SKU-1')])).rejects.toMatchObject({ code: '57P01' });
    expect(pusher.queue.size).toBe(0);
  });

  it('given the platform acknowledged, when recording the acknowledgement fails, then the call is not counted as a platform failure and the circuit is untouched', async () => {
    const registry = new Registry();
    const { store, calls, failing } = memoryStore();
    failing.add('recordAcknowledged');
    const { adapter, pushes } = scriptedPlatform([]);
    const warnings: string[] = [];
    pusher = new ChannelPusher(adapter, store, ChannelMetrics.for(registry), options(), {
      warn: (_obj, msg) => void warnings.push(msg),
    });
    await pusher.start();

    await pusher.offer([target('SKU-1')]);
    await until(
      () => calls.filter((c) => c === 'recordAcknowledged').length >= 1,
      'the acknowledgement write',
    );
    await until(() => warnings.length >= 1, 'the warning');

    expect(pushes).toEqual([['SKU-1']]);
    expect(await counterValue(registry, 'stocksync_channel_push_calls_total', { result: 'failed' })).toBe(0);
    expect(await counterValue(registry, 'stocksync_channel_push_calls_total', { result: 'ok' })).toBe(1);
    expect(pusher.breaker.current).toBe('closed');
    expect(warnings).toEqual(['push state not recorded']);
  });

  it('given a call the platform refuses for good, when recording the error fails, then the failure is logged rather than forgotten', async () => {
    const { store, calls, failing } = memoryStore();
    failing.add('recordError');
    const { adapter } = scriptedPlatform([
      () => {
        throw new PlatformCallError('SHOP.UNAUTHORIZED', 'bad signature', false);
      },
    ]);
    const warnings: { obj: object; msg: string }[] = [];
    pusher = new ChannelPusher(adapter, store, ChannelMetrics.for(new Registry()), options(), {
      warn: (obj, msg) => void warnings.push({ obj, msg }),
    });
    await pusher.start();

    await pusher.offer([target('SKU-1')]);
    await until(() => warnings.some((w) => w.msg === 'push state not recorded'), 'the warning');

    expect(calls).toContain('recordError');
    expect(warnings.find((w) => w.msg === 'push state not recorded')?.obj).toMatchObject({
      channel: 'shop',
      write: 'error',
      code: 'SHOP.UNAUTHORIZED',
    });
  });
});
