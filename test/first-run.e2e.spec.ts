import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A newcomer's first run: `npm start` as a process, the way the README tells them to run it, for a few seconds
 * with --duration. While it runs the API answers with the admin key it printed; when it has stopped by itself its
 * last line says orders were accepted and card keys reached the simulated buyers, none twice. A second run on the
 * same --data-dir goes on from the first one's SKUs and events, and the first run's key no longer opens the API.
 * Needs no broker and no PostgreSQL server: the engine embeds its own.
 */

const ROOT = join(__dirname, '..');
/** Traffic seconds of the first run: at --rate 24, some twenty paid card-key orders to deliver. */
const FIRST_RUN_S = 12;
const SECOND_RUN_S = 4;
/** Boot is every app plus PGlite in one process, ~10 s on an idle 2-core machine; others may share it. */
const BOOT_MS = 150_000;
const SKUS = 12;

interface EngineRun {
  child: ChildProcess;
  text(): string;
  exited: Promise<number | null>;
}

const runs: EngineRun[] = [];

function startEngine(args: string[]): EngineRun {
  // Its own process group, so afterAll can end npm and the engine under it together, by this pid.
  const child = spawn('npm', ['start', '--', ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn', FORCE_COLOR: '0' },
  });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run = { child, text: () => output, exited };
  runs.push(run);
  return run;
}

/** Waits for a line of the engine's output; fails with the output's tail if the engine exits or time runs out. */
async function waitForOutput(run: EngineRun, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  let exited = false;
  void run.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(run.text());
    if (match) return match;
    if (exited || Date.now() > deadline) {
      throw new Error(
        `${exited ? 'engine exited' : 'timed out'} before ${pattern}; output:\n${run.text().slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function exitCode(run: EngineRun, timeoutMs: number): Promise<number | null> {
  return Promise.race([
    run.exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`engine did not stop by itself:\n${run.text().slice(-3000)}`)),
        timeoutMs,
      ).unref(),
    ),
  ]);
}

async function api(url: string, key: string | undefined, path: string) {
  const res = await fetch(`${url}${path}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  return {
    status: res.status,
    body: body as { items?: { sku: string; version: number }[]; version?: number },
  };
}

function printed(run: EngineRun) {
  return Promise.all([
    waitForOutput(run, /operations API +(http:\/\/127\.0\.0\.1:\d+)/, BOOT_MS),
    waitForOutput(run, /OpenAPI page +(http:\/\/127\.0\.0\.1:\d+\/docs)/, BOOT_MS),
    waitForOutput(run, /admin API key +(ssk_\S+)/, BOOT_MS),
    waitForOutput(run, /console +(http:\/\/127\.0\.0\.1:\d+\/console\/)/, BOOT_MS),
  ]).then(([u, d, k, c]) => ({ url: u[1], docs: d[1], key: k[1], console: c[1] }));
}

const STOPPED =
  /stopped: (\d+) orders placed, (\d+) accepted, .*card keys: (\d+) allocated, (\d+) delivered to (\d+) orders, (\d+) delivered twice/;

describe('npm start: the first run', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stocksync-first-run-'));

  afterAll(async () => {
    for (const run of runs) {
      if (run.child.exitCode === null && run.child.signalCode === null && run.child.pid) {
        try {
          process.kill(-run.child.pid, 'SIGKILL');
        } catch {
          // Already gone between the check and the kill.
        }
        await run.exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  let first: { url: string; key: string; sku1Version: number };

  it(
    'prints the API URL, its OpenAPI page, the console and an admin key that opens the API; stops by itself; orders accepted, card keys delivered once each',
    async () => {
      const run = startEngine([
        '--duration',
        String(FIRST_RUN_S),
        '--rate',
        '24',
        '--seed',
        '7',
        '--no-view',
        '--data-dir',
        dataDir,
      ]);
      const { url, docs, key, console: consoleUrl } = await printed(run);

      expect((await api(url, undefined, '/v1/skus')).status).toBe(401);
      expect((await fetch(docs, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
      // The console's page, built by npm ci's prepare step: a fresh clone needs nothing more.
      const page = await fetch(consoleUrl, { signal: AbortSignal.timeout(10_000) });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      // The projector may take a moment after the seed: poll until every SKU is listed.
      let skus = await api(url, key, '/v1/skus');
      for (let i = 0; i < 50 && (skus.body.items?.length ?? 0) < SKUS; i++) {
        await new Promise((r) => setTimeout(r, 200));
        skus = await api(url, key, '/v1/skus');
      }
      expect(skus.status).toBe(200);
      expect(skus.body.items!.map((i) => i.sku)).toEqual(
        Array.from({ length: SKUS }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`),
      );

      expect(await exitCode(run, FIRST_RUN_S * 1000 + 90_000)).toBe(0);
      const [, placed, accepted, allocated, delivered, orders, twice] = STOPPED.exec(run.text())!.map(Number);
      expect(placed).toBeGreaterThan(0);
      expect(accepted).toBeGreaterThan(0);
      expect(allocated).toBeGreaterThan(0);
      expect(delivered).toBeGreaterThan(0);
      expect(orders).toBeGreaterThan(0);
      // A stop waits for the keys of the orders already paid: every buyer who paid got theirs.
      expect(delivered).toBe(allocated);
      expect(twice).toBe(0);
      // The admin key is printed to the operator once, and appears nowhere else in the output (no log line).
      expect(run.text().split(key).length - 1).toBe(1);
      // The card vault's keys, kept in the data directory for the next run, are never printed.
      const vaultKeys = JSON.parse(readFileSync(join(dataDir, 'card-vault.keys.json'), 'utf8')) as Record<
        string,
        string
      >;
      const keyMaterial = [
        vaultKeys.CARD_VAULT_FINGERPRINT_KEY,
        ...vaultKeys.CARD_VAULT_KEYS.split(',').map((k) => k.slice(k.indexOf(':') + 1)),
      ];
      expect(keyMaterial.every((k) => k.length >= 40)).toBe(true);
      for (const k of keyMaterial) expect(run.text()).not.toContain(k);
      expect(run.text()).toMatch(/data +.*\(new\)/);
      first = { url, key, sku1Version: skus.body.items![0].version };
      console.log(
        `first run: ${run
          .text()
          .split('\n')
          .find((l) => l.startsWith('stopped:'))}`,
      );
    },
    BOOT_MS + FIRST_RUN_S * 1000 + 120_000,
  );

  it(
    'a second run on the same --data-dir goes on from the first run: its SKUs and events are there, its key is revoked',
    async () => {
      expect(first).toBeDefined();
      const run = startEngine([
        '--duration',
        String(SECOND_RUN_S),
        '--seed',
        '8',
        '--no-view',
        '--data-dir',
        dataDir,
      ]);
      const { url, key } = await printed(run);
      const kept = await waitForOutput(
        run,
        /kept from earlier runs: (\d+) SKUs, (\d+) events; (\d+) earlier admin key/,
        BOOT_MS,
      );
      expect(Number(kept[1])).toBe(SKUS);
      expect(Number(kept[2])).toBeGreaterThan(SKUS);
      expect(Number(kept[3])).toBe(1);
      expect(key).not.toBe(first.key);

      expect((await api(url, first.key, '/v1/skus')).status).toBe(401);
      const sku = await api(url, key, '/v1/skus/SKU-001');
      expect(sku.status).toBe(200);
      expect(sku.body.version).toBeGreaterThanOrEqual(first.sku1Version);

      expect(await exitCode(run, SECOND_RUN_S * 1000 + 90_000)).toBe(0);
      const [, , , , , , twice] = STOPPED.exec(run.text())!.map(Number);
      expect(twice).toBe(0);
    },
    BOOT_MS + SECOND_RUN_S * 1000 + 120_000,
  );
});
