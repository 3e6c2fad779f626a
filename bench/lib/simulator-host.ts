/**
 * The four platform simulators in a process of their own, so a benchmark measures the memory and CPU of what
 * it benchmarks, not of the platforms it talks to. Started by startSimulatorHost(); seeded over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  ShopSimulator,
  TaobaoSimulator,
  type SimulatedPlatform,
} from '@libs/platform-simulators';

export type Platform = 'taobao' | 'pinduoduo' | 'miniprogram' | 'shop';

/** Listings `${prefix}${i}` for i in [0, count) with quantity base + ((i * 7 + offset) % 50), plus drift on 1 in driftEvery. */
export interface SeedRequest {
  platform: Platform;
  prefix: string;
  count: number;
  offset: number;
  driftEvery: number;
  drift: number;
}

export interface SimulatorHost {
  urls: Record<Platform, string>;
  seed(request: SeedRequest): Promise<void>;
  setLatency(ms: number): Promise<void>;
  stockCalls(): Promise<Record<Platform, number>>;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

/** The quantity seeded for listing i (shared by both sides so the parent knows what it seeded). */
export function seededQuantity(i: number, offset: number): number {
  return 1 + ((i * 7 + offset) % 50);
}

type Request =
  | { kind: 'seed'; request: SeedRequest }
  | { kind: 'latency'; ms: number }
  | { kind: 'calls' }
  | { kind: 'rss' };
type Command = Request & { id: number };

export async function startSimulatorHost(credentials: {
  key: string;
  secret: string;
}): Promise<SimulatorHost> {
  const child: ChildProcess = fork(__filename, [JSON.stringify(credentials)], {
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  const urls = await new Promise<Record<Platform, string>>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator host exited with ${code}`)));
    child.on('message', (message: { id?: number; urls?: Record<Platform, string>; value?: unknown }) => {
      if (message.urls) resolve(message.urls);
      else if (message.id !== undefined) waiting.get(message.id)?.(message.value);
    });
  });
  const ask = <T>(command: Request): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, (value) => {
        waiting.delete(id);
        resolve(value as T);
      });
      child.send({ ...command, id });
    });
  return {
    urls,
    seed: (request) => ask({ kind: 'seed', request }),
    setLatency: (ms) => ask({ kind: 'latency', ms }),
    stockCalls: () => ask({ kind: 'calls' }),
    rss: () => ask({ kind: 'rss' }),
    async stop() {
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function host(): Promise<void> {
  const { key, secret } = JSON.parse(process.argv[2]) as { key: string; secret: string };
  const simulators: Record<Platform, SimulatedPlatform> = {
    taobao: new TaobaoSimulator(key, secret),
    pinduoduo: new PinduoduoSimulator(key, secret),
    miniprogram: new MiniprogramSimulator(secret),
    shop: new ShopSimulator(secret),
  };
  // Benchmarks measure our side; the platforms' own call quotas are tested elsewhere.
  for (const sim of Object.values(simulators)) sim.faults.rateLimit = { calls: 0, windowMs: 1_000 };
  const urls = {} as Record<Platform, string>;
  for (const [name, sim] of Object.entries(simulators)) urls[name as Platform] = await sim.start();
  process.send!({ urls });
  process.on('message', (command: Command) => {
    let value: unknown = null;
    if (command.kind === 'seed') {
      const { platform, prefix, count, offset, driftEvery, drift } = command.request;
      const sim = simulators[platform];
      for (let i = 0; i < count; i++) {
        sim.setListing(
          `${prefix}${i}`,
          seededQuantity(i, offset) + (driftEvery > 0 && i % driftEvery === offset ? drift : 0),
        );
      }
    } else if (command.kind === 'latency') {
      for (const sim of Object.values(simulators)) sim.faults.latencyMs = command.ms;
    } else if (command.kind === 'calls') {
      value = Object.fromEntries(
        Object.entries(simulators).map(([name, sim]) => [name, sim.stockCalls().length]),
      );
    } else if (command.kind === 'rss') {
      value = process.memoryUsage().rss;
    }
    process.send!({ id: command.id, value });
  });
  process.on('SIGTERM', () => {
    void Promise.all(Object.values(simulators).map((sim) => sim.stop())).then(() => process.exit(0));
  });
}

if (require.main === module && process.send) void host();
