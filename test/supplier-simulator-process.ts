import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An order as the supplier simulator recorded it (its control route `/_sim/supplier/orders`). */
export interface SimOrder {
  orderId: string;
  productId: string;
  secretFingerprints: string[];
}

export interface SupplierSimProcess {
  url: string;
  /** The simulator's control routes (`/_sim/supplier/...`). */
  control(method: string, path: string, body?: unknown): Promise<unknown>;
  /** The orders it took, and how often each was asked for. */
  orders(): Promise<{ orders: SimOrder[]; received: Record<string, number> }>;
  stop(): Promise<void>;
}

/** The simulator's fingerprint of a secret, to match a delivered key with a supplier's order without the key. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/**
 * One supplier simulator in its own process (libs/platform-simulators/src/supplier-simulator.main.ts), seeded with
 * `products`, on loopback; resolves once it says it is ready, and stops it (SIGTERM, then SIGKILL after 5 s) if it
 * never does.
 */
export async function startSupplierSimulator(
  secret: string,
  products: unknown[],
): Promise<SupplierSimProcess> {
  const seed = join(tmpdir(), `supplier-seed-${randomBytes(6).toString('hex')}.json`);
  writeFileSync(seed, JSON.stringify({ products }));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'libs/platform-simulators/src/supplier-simulator.main.ts',
      '--seed',
      seed,
    ],
    {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        TS_NODE_PROJECT: 'tsconfig.json',
        SUPPLIER_SIM_SECRET: secret,
        SUPPLIER_SIM_APP_ID: 'stocksync',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`supplier simulator not ready: ${out}`)), 30_000);
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        const ready = /supplier-simulator ready (\S+)/.exec(out);
        if (ready) {
          clearTimeout(timer);
          resolve(ready[1]!);
        }
      });
      child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`supplier simulator exited ${code}: ${out}`));
      });
    });
    const control = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<unknown>;
    };
    const orders = () =>
      control('GET', '/_sim/supplier/orders') as Promise<{
        orders: SimOrder[];
        received: Record<string, number>;
      }>;
    return { url, control, orders, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    // The simulator has read its seed by the time it is ready (or it never will).
    rmSync(seed, { force: true });
  }
}
