/**
 * Catalogue sync (主站 → 分站) of CATALOGUE_PRODUCTS upstream products (default 50,000) through the real path, with
 * every app in its own process as deployed: the operations API, the inventory service and the projector on a fresh
 * database and the real broker, and a SupplierSimulator as the main station in a process of its own (so the API's
 * memory is its own and the reading side is the same process for the sync and its baseline). Measured, in order:
 *
 * 1. baseline: the whole catalogue read through SupplierClient.cataloguePages from this process (pages checked
 *    against the contract, nothing compared or stored);
 * 2. preview 1 (`POST /v1/catalogue/syncs`): every product `new`, stored in catalogue_sync_rows;
 * 3. baseline: the same number of SKUs registered through the bulk path the API already has, a CSV catalogue import
 *    (`POST /v1/catalogue/imports`, one RegisterSku per row), until the projector has every one in sku_stock;
 * 4. apply of the whole sync (`POST …/apply`, RegisterSku + ConfigureSupply + ObserveSupplierStock per row), until
 *    the projector has every SKU in sku_stock as a supplier SKU and its report in sku_suppliers (observed_at set);
 * 5. preview 2: every product `unchanged`;
 * 6. preview 3 after 1% of the prices changed at the simulator: that many `changed`.
 *
 * Both sides are warmed up first on a second, small main station (CATALOGUE_WARMUP_PRODUCTS, default 2,000, its
 * own SKU prefix): a read, a preview and its apply, and a catalogue import of as many rows; the first call of a
 * process pays for JIT and cold caches. Per step: wall time, rate, the peak RSS of each app process (VmHWM, reset
 * before the step) and the CPU seconds each one used (from /proc). CATALOGUE_PROFILE_DIR: every app writes a V8 CPU
 * profile there, and the functions with the most time of their own are printed for the steps that write.
 *
 *   CATALOGUE_PRODUCTS=50000 npm run bench -- bench/catalogue-sync.bench.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import type { Pool } from 'pg';
import { SupplierClient, type SupplierConfig } from '@libs/suppliers';
import { deleteTopicsWithPrefix, uniqueTopicPrefix } from '@libs/testing';
import { AppProcess } from '../test/fault/app-process';
import { benchInfra, machine } from './lib/bench-infra';

const PRODUCTS = Number(process.env.CATALOGUE_PRODUCTS ?? 50_000);
const WARMUP = Number(process.env.CATALOGUE_WARMUP_PRODUCTS ?? 2_000);
/** One product in CHANGE_EVERY gets a new price before the third preview (1%). */
const CHANGE_EVERY = 100;
/** Longest wait for one request, and for the projector to catch up after a write. */
const CALL_TIMEOUT_MS = 600_000;
const PROJECTED_TIMEOUT_MS = 300_000;
const ROOT = join(__dirname, '..');
const LOG_DIR = join(ROOT, '.cache', 'bench-logs');
const PROFILE_DIR = process.env.CATALOGUE_PROFILE_DIR;
const SECRET = randomBytes(24).toString('base64url');
const ADMIN_KEY = randomBytes(32).toString('base64url');
const MAIN = { id: 'main-station', prefix: 'ms-' };
const WARM = { id: 'warm-station', prefix: 'wm-' };

const productId = (i: number) => `P${String(i).padStart(7, '0')}`;
const product = (i: number) => ({
  productId: productId(i),
  name: `直充 ${i}`,
  kind: 'topUp' as const,
  faceValue: 1_000,
  supplyPrice: 900 + (i % 50),
  stock: i % 10 === 0 ? null : 100 + (i % 7),
  status: i % 20 === 0 ? ('off_sale' as const) : ('on_sale' as const),
});

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One HTTP call with no client-side limit but CALL_TIMEOUT_MS (fetch gives up on headers after 300 s). */
function call(
  base: string,
  method: string,
  path: string,
  options: { json?: unknown; body?: Buffer; contentType?: string; key?: string } = {},
): Promise<Answer> {
  const body = options.json === undefined ? options.body : Buffer.from(JSON.stringify(options.json));
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (body) {
    headers['content-type'] = options.json === undefined ? options.contentType! : 'application/json';
    headers['content-length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: keep the text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.setTimeout(CALL_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The supplier simulator's own main (libs/platform-simulators) in a child process, on loopback. */
async function startSimulator(
  name: string,
  started: ChildProcess[],
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'libs/platform-simulators/src/supplier-simulator.main.ts',
      '--port',
      '0',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', SUPPLIER_SIM_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  started.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name}: simulator not ready in 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${name}: simulator exited with ${code}`)));
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const ready = /supplier-simulator ready (\S+)/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    });
  });
  child.removeAllListeners('exit');
  return { url, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function seed(url: string, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 5_000) {
    const products = Array.from({ length: Math.min(5_000, to - start) }, (_, k) => product(start + k));
    const res = await call(url, 'POST', '/_sim/supplier/products', { json: { products } });
    if (res.status !== 200) throw new Error(`seeding the simulator answered ${res.status}`);
  }
}

function supplierConfig(id: string, url: string): SupplierConfig {
  return {
    id,
    baseUrl: url,
    appId: 'stocksync',
    secret: SECRET,
    timeoutMs: 10_000,
    pollIntervalMs: 86_400_000,
    noticesEnabled: false,
  };
}

function catalogueCsv(prefix: string, count: number): Buffer {
  const lines = ['sku,name,kind'];
  for (let i = 0; i < count; i++) lines.push(`${prefix}${i},直充 ${i},直充`);
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

/** Peak RSS since the last reset (VmHWM), resident now (VmRSS) and CPU seconds so far of a process, from /proc. */
function procStats(pid: number): { hwm: number; rss: number; cpu: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { hwm: kib('VmHWM'), rss: kib('VmRSS'), cpu: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/** CPU seconds so far of the PostgreSQL backends serving this database (gone ones are not counted). */
async function backendCpu(pool: Pool): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      /* ended meanwhile */
    }
  }
  return out;
}

interface ProcUse {
  /** Resident at the start of the step, and the peak during it (bytes); NaN where not measured. */
  before: number;
  peak: number;
  /** CPU seconds used during the step. */
  cpu: number;
}

interface Step {
  name: string;
  /** process.hrtime, seconds. */
  from: number;
  to: number;
  procs: Map<string, ProcUse>;
}

/**
 * Runs `fn` as a measured step: the peak RSS of every process is reset first (VmHWM via clear_refs) and read at the
 * end, with the CPU time each one used meanwhile, this process's and the database backends' too.
 */
async function step<T>(
  name: string,
  pids: Map<string, number>,
  pool: Pool,
  steps: Step[],
  fn: () => Promise<T>,
): Promise<T> {
  const before = new Map<string, { rss: number; cpu: number }>();
  for (const [app, pid] of pids) {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    before.set(app, procStats(pid));
  }
  const backendsBefore = await backendCpu(pool);
  const benchCpu = process.cpuUsage();
  const from = now();
  const result = await fn();
  const to = now();
  const used = process.cpuUsage(benchCpu);
  const procs = new Map<string, ProcUse>();
  for (const [app, pid] of pids) {
    const s = procStats(pid);
    procs.set(app, { before: before.get(app)!.rss, peak: s.hwm, cpu: s.cpu - before.get(app)!.cpu });
  }
  let backends = 0;
  for (const [pid, cpu] of await backendCpu(pool)) backends += cpu - (backendsBefore.get(pid) ?? 0);
  procs.set('postgres backends', { before: NaN, peak: NaN, cpu: backends });
  procs.set('benchmark', { before: NaN, peak: NaN, cpu: (used.user + used.system) / 1e6 });
  steps.push({ name, from, to, procs });
  return result;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * The functions with the most CPU time of their own in one V8 profile between two instants (process.hrtime
 * seconds: V8's profile clock is the same monotonic clock), as shares of that window's wall time; `(idle)` left
 * out, so the shares add up to how busy the process was.
 */
function windowSelfTime(file: string, from: number, to: number, limit = 10): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let t = profile.startTime;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from * 1e6 || t > to * 1e6) return;
    const next = profile.timeDeltas[i + 1] ?? 0;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    busy += next;
    const where = frame.url
      ? `${relative(ROOT, frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}`
      : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + next);
  });
  const wall = (to - from) * 1e6;
  const lines = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, micros]) => `        ${((100 * micros) / wall).toFixed(1).padStart(5)}%  ${name}`);
  return `      busy ${((100 * busy) / wall).toFixed(0)}% of the step's wall time; most time of their own:\n${lines.join('\n')}`;
}

async function waitFor(label: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + PROJECTED_TIMEOUT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${label}: not reached within ${PROJECTED_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const infra = await benchInfra('catalogue_sync');
  const prefix = uniqueTopicPrefix('catalogue-sync');
  const pool = infra.db.pool;
  const count = async (sql: string, params: unknown[] = []) =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n;
  const sims: ChildProcess[] = [];
  let apps: AppProcess[] = [];
  try {
    const [main, warm] = await Promise.all([
      startSimulator('main-station', sims),
      startSimulator('warm-station', sims),
    ]);
    await Promise.all([seed(main.url, 0, PRODUCTS), seed(warm.url, 0, WARMUP)]);

    const common: Record<string, string> = {
      DATABASE_URL: infra.db.url,
      KAFKA_BROKERS: infra.brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'error',
      CARD_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CARD_VAULT_ACTIVE_KEY_ID: 'k1',
      CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
      RESERVATION_SWEEP_INTERVAL_MS: '600000',
    };
    const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
    const create = (app: string, env: Record<string, string> = {}) =>
      AppProcess.create(`bench-catalogue-${app}`, app, { ...common, ...env }, LOG_DIR, nodeArgs);
    const inventory = await create('inventory-service');
    const projector = await create('projector');
    const api = await create('api', {
      API_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      API_RATE_LIMIT_PER_SECOND: '10000',
      API_RATE_LIMIT_BURST: '10000',
      // As the API's own tests: the owner shares two cores with PostgreSQL, the broker and the projector.
      API_LANE_TIMEOUT_MS: '120000',
      SUPPLIERS: JSON.stringify([supplierConfig(MAIN.id, main.url), supplierConfig(WARM.id, warm.url)]),
      CATALOGUE_SYNC_MAPPINGS: JSON.stringify({
        [MAIN.id]: { skuPrefix: MAIN.prefix },
        [WARM.id]: { skuPrefix: WARM.prefix },
      }),
    });
    apps = [inventory, projector, api];
    // The owner and the projector first: the API's first write must find the lane consumed and the read models.
    inventory.start();
    projector.start();
    await Promise.all([inventory.ready(120_000), projector.ready(120_000)]);
    api.start();
    await api.ready(120_000);
    const pids = new Map<string, number>([
      ['api', api.pid!],
      ['inventory-service', inventory.pid!],
      ['projector', projector.pid!],
      ['simulator', main.child.pid!],
    ]);
    const admin = (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
      call(api.url, method, path, { ...options, key: ADMIN_KEY });
    const expectStatus = (what: string, res: Answer, status: number) => {
      if (res.status !== status)
        throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
      return res.body;
    };
    const readAll = async (config: SupplierConfig) => {
      let n = 0;
      for await (const page of new SupplierClient(config).cataloguePages(500)) n += page.items.length;
      return n;
    };
    const preview = async (supplierId: string) =>
      expectStatus('preview', await admin('POST', '/v1/catalogue/syncs', { json: { supplierId } }), 201) as {
        syncId: string;
        products: number;
        counts: Record<string, number>;
      };
    const importCsv = async (batchId: string, csv: Buffer) =>
      expectStatus(
        'catalogue import',
        await admin(
          'POST',
          `/v1/catalogue/imports?batchId=${batchId}&mapping=${encodeURIComponent('sku=sku,name=name,stockKind=kind')}`,
          { body: csv, contentType: 'text/csv' },
        ),
        200,
      ) as { registered: number; invalid: number };
    const projectedSupplier = (prefixOf: string, supplierId: string, n: number) =>
      waitFor(`${n} ${prefixOf}* SKUs projected`, async () => {
        const [kinds, reports] = await Promise.all([
          count(`sku_stock WHERE sku LIKE $1 AND kind = 'supplier'`, [`${prefixOf}%`]),
          count(`sku_suppliers WHERE supplier_id = $1 AND observed_at IS NOT NULL`, [supplierId]),
        ]);
        return kinds >= n && reports >= n;
      });
    const projectedImport = (prefixOf: string, n: number) =>
      waitFor(`${n} ${prefixOf}* SKUs projected`, async () => {
        return (await count(`sku_stock WHERE sku LIKE $1`, [`${prefixOf}%`])) >= n;
      });

    // Warm-up, not measured: every path once on the small station.
    await readAll(supplierConfig(WARM.id, warm.url));
    const warmSync = await preview(WARM.id);
    expectStatus(
      'warm-up apply',
      await admin('POST', `/v1/catalogue/syncs/${warmSync.syncId}/apply`, { json: {} }),
      200,
    );
    await projectedSupplier(WARM.prefix, WARM.id, WARMUP);
    await importCsv('warm-1', catalogueCsv('wi-', WARMUP));
    await projectedImport('wi-', WARMUP);

    const steps: Step[] = [];
    const mainConfig = supplierConfig(MAIN.id, main.url);
    const read = await step('baseline: read through SupplierClient', pids, pool, steps, () =>
      readAll(mainConfig),
    );
    if (read !== PRODUCTS) throw new Error(`the client read ${read} products, not ${PRODUCTS}`);
    const first = await step('preview 1 (all new)', pids, pool, steps, () => preview(MAIN.id));
    if (first.counts.new !== PRODUCTS) throw new Error(`preview 1: ${JSON.stringify(first.counts)}`);
    const stored = (
      await pool.query<{ n: number; bytes: string; total: string }>(
        `SELECT count(*)::int AS n, sum(pg_column_size(r.*))::bigint AS bytes,
                pg_total_relation_size('catalogue_sync_rows') AS total FROM catalogue_sync_rows r
          WHERE sync_id = $1`,
        [first.syncId],
      )
    ).rows[0];

    let importAnswered = 0;
    const imported = await step('baseline: catalogue import (CSV)', pids, pool, steps, async () => {
      const started = now();
      const report = await importCsv('bench-1', catalogueCsv('imp-', PRODUCTS));
      importAnswered = now() - started;
      await projectedImport('imp-', PRODUCTS);
      return report;
    });
    if (imported.registered !== PRODUCTS)
      throw new Error(`import: ${JSON.stringify(imported).slice(0, 300)}`);

    let applyAnswered = 0;
    const applied = await step('apply (whole sync)', pids, pool, steps, async () => {
      const started = now();
      const res = expectStatus(
        'apply',
        await admin('POST', `/v1/catalogue/syncs/${first.syncId}/apply`, { json: {} }),
        200,
      ) as { counts: Record<string, number> };
      applyAnswered = now() - started;
      await projectedSupplier(MAIN.prefix, MAIN.id, PRODUCTS);
      return res;
    });
    if (applied.counts.applied !== PRODUCTS) throw new Error(`apply: ${JSON.stringify(applied.counts)}`);

    const read2 = await step('baseline: read again', pids, pool, steps, () => readAll(mainConfig));
    if (read2 !== PRODUCTS) throw new Error(`the client read ${read2} products`);
    const second = await step('preview 2 (all unchanged)', pids, pool, steps, () => preview(MAIN.id));
    if (second.counts.unchanged !== PRODUCTS) throw new Error(`preview 2: ${JSON.stringify(second.counts)}`);

    const changed = Math.floor(PRODUCTS / CHANGE_EVERY);
    for (let i = 0; i < PRODUCTS; i += CHANGE_EVERY) {
      const res = await call(main.url, 'POST', `/_sim/supplier/products/${productId(i)}`, {
        json: { supplyPrice: product(i).supplyPrice + 10, notify: false },
      });
      if (res.status !== 200) throw new Error(`changing ${productId(i)} answered ${res.status}`);
    }
    const third = await step(`preview 3 (${changed} prices changed)`, pids, pool, steps, () =>
      preview(MAIN.id),
    );
    if (third.counts.changed !== changed || third.counts.unchanged !== PRODUCTS - changed)
      throw new Error(`preview 3: ${JSON.stringify(third.counts)}`);

    const events = await count(`events WHERE metadata->>'catalogueSync' = $1`, [first.syncId]);
    const importEvents = await count(`events WHERE metadata->>'catalogueImport' = 'bench-1'`);
    const load = loadavg().map((l) => l.toFixed(1));
    const appPids = apps.map((a) => [a.name, a.pid] as const);
    await Promise.all(apps.map((a) => a.stop()));

    const seconds = (name: string) => {
      const s = steps.find((x) => x.name.startsWith(name))!;
      return s.to - s.from;
    };
    const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
    const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
    console.log(`machine: ${machine()}; load average at the end ${load.join(' ')}`);
    console.log(
      `${PRODUCTS} upstream products (top-up, 1 in 10 unlimited, 1 in 20 off sale), 500 a page; warm-up: ${WARMUP} on a second station`,
    );
    for (const s of steps) {
      const procs = [...s.procs]
        .map(
          ([app, p]) =>
            `${app} ${p.cpu.toFixed(1)} s${Number.isNaN(p.peak) ? '' : ` / ${mib(p.before)} → ${mib(p.peak)}`}`,
        )
        .join(', ');
      console.log(
        `  ${s.name}: ${(s.to - s.from).toFixed(1)} s — CPU seconds / RSS at the start → peak: ${procs}`,
      );
    }
    const readS = seconds('baseline: read through');
    const p1 = seconds('preview 1');
    const p2 = seconds('preview 2');
    const p3 = seconds('preview 3');
    const read2S = seconds('baseline: read again');
    console.log(
      `preview 1 (all new): ${p1.toFixed(1)} s, ${rate(PRODUCTS, p1)} products/s; API peak RSS ${mib(steps.find((s) => s.name.startsWith('preview 1'))!.procs.get('api')!.peak)}`,
    );
    console.log(
      `  rows stored: ${stored.n} catalogue_sync_rows (${mib(Number(stored.bytes))} of row data; the table with its indexes and the warm-up's rows ${mib(Number(stored.total))})`,
    );
    console.log(
      `  baseline, the catalogue read through SupplierClient alone: ${readS.toFixed(1)} s, ${rate(PRODUCTS, readS)} products/s`,
    );
    console.log(`  ratio preview/read: ${(p1 / readS).toFixed(1)}x the time`);
    console.log(
      `preview 2 (all unchanged): ${p2.toFixed(1)} s, ${rate(PRODUCTS, p2)} products/s (read again: ${read2S.toFixed(1)} s; ratio ${(p2 / read2S).toFixed(1)}x)`,
    );
    console.log(
      `preview 3 (${changed} changed, ${PRODUCTS - changed} unchanged): ${p3.toFixed(1)} s, ${rate(PRODUCTS, p3)} products/s (ratio to the read ${(p3 / read2S).toFixed(1)}x)`,
    );
    const apply = seconds('apply');
    const imp = seconds('baseline: catalogue import');
    console.log(
      `apply: answered in ${applyAnswered.toFixed(1)} s (${rate(PRODUCTS, applyAnswered)} rows/s), done in ${apply.toFixed(1)} s: ${rate(PRODUCTS, apply)} rows/s; ${events} events (${rate(events, apply)} events/s); API peak RSS ${mib(steps.find((s) => s.name.startsWith('apply'))!.procs.get('api')!.peak)}`,
    );
    console.log(
      `  done = the answer, then every SKU in sku_stock as a supplier SKU and its report in sku_suppliers (observed_at set)`,
    );
    console.log(
      `  baseline, catalogue import of ${PRODUCTS} CSV rows: answered in ${importAnswered.toFixed(1)} s, done (all in sku_stock) in ${imp.toFixed(1)} s: ${rate(PRODUCTS, imp)} rows/s; ${importEvents} events (${rate(importEvents, imp)} events/s)`,
    );
    console.log(
      `  ratio apply/import: ${(apply / imp).toFixed(1)}x the time (${(apply / imp / (events / importEvents)).toFixed(2)}x per event)`,
    );
    if (PROFILE_DIR) {
      const names = new Map(appPids.map(([name, pid]) => [String(pid), name]));
      const files = readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'));
      console.log(`CPU profiles (${PROFILE_DIR}):`);
      for (const s of steps.filter((x) => !x.name.includes('read'))) {
        console.log(`  ${s.name}:`);
        for (const file of files) {
          const pid = /\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1];
          if (!pid || !names.has(pid)) continue;
          console.log(`    ${names.get(pid)}:`);
          console.log(windowSelfTime(join(PROFILE_DIR, file), s.from, s.to));
        }
      }
    }
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    for (const child of sims) await stopChild(child);
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await infra.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
