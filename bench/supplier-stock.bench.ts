/**
 * Supplier stock notice → last channel target published, for supplier-backed SKUs (stock kind `supplier`), through
 * the real path with every app in its own process, as deployed: the supplier's signed notice posted to
 * connector-supplier (`POST /v1/supplier-notices?supplier=<id>`), verified, turned into ObserveSupplierStock on the
 * SKU lane (stock.channel-events on the real broker), decided by the inventory service, projected, and relayed from
 * the projector's outbox to stock.channel-targets, where this benchmark reads it as the connectors do.
 *
 * SUPPLIER_SKUS supplier-backed SKUs (default 1,000), each reselling its own top-up product at the simulated
 * supplier (in this process) and listed on four channels at 100% share, so a change of a product's stock changes
 * its SKU's four targets. Once every SKU has been observed (the connector polls the catalogue for new links), the
 * products change round-robin at SUPPLIER_RATE per second (default 100) for SUPPLIER_SECONDS (default 30), one
 * signed notice (one HTTP request, one product) per change; each change raises the product's stock by one, so a
 * target carrying that quantity (or more) is the change's.
 *
 * Baseline from the same run, same SKU count, rate and duration, afterwards: plain `quantity` SKUs listed the same
 * way, whose stock is raised by a ReceiveStock lane command (`inventory.command`, one record per change) published
 * by this process. The ratio is the supplier path's own cost: the notice's HTTP round trip, its verification and
 * the connector's work before it publishes the same kind of lane command. Both paths are warmed up first
 * (SUPPLIER_WARMUP_SECONDS each, default 5, not measured).
 *
 * Prints p50/p95/p99/max of change sent → last of the four targets published, the stage before the answer
 * (notice answered 200 / record acknowledged by the broker), the achieved rate, and the CPU each app used per
 * phase (from /proc). SUPPLIER_PROFILE_DIR: every app writes a V8 CPU profile there and the busiest functions are
 * printed.
 *
 *   SUPPLIER_SKUS=1000 SUPPLIER_RATE=100 SUPPLIER_SECONDS=30 npm run bench -- bench/supplier-stock.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { PostgresEventStore } from '@libs/event-store';
import type { InventoryCommand } from '@libs/inventory';
import { createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import { ChannelEventsTopic, ChannelTargetsTopic, type OutgoingMessage } from '@libs/messaging';
import { SupplierSimulator } from '@libs/platform-simulators';
import { deleteTopicsWithPrefix, testKafkaBus, uniqueTopicPrefix } from '@libs/testing';
import { AppProcess } from '../test/fault/app-process';
import { benchInfra, machine, percentile } from './lib/bench-infra';
import { topSelfTime } from './lib/cpu-profile';

const SKUS = Number(process.env.SUPPLIER_SKUS ?? 1_000);
const RATE = Number(process.env.SUPPLIER_RATE ?? 100);
const SECONDS = Number(process.env.SUPPLIER_SECONDS ?? 30);
const WARMUP_SECONDS = Number(process.env.SUPPLIER_WARMUP_SECONDS ?? 5);
const DRAIN_SECONDS = 60;
const INITIAL_STOCK = 1_000;
const CHANNELS = ['taobao', 'pinduoduo', 'miniprogram', 'shop'];
const SUPPLIER_ID = 'upstream';
const SUPPLIER_SECRET = randomBytes(24).toString('base64url');
const LOG_DIR = join(__dirname, '..', '.cache', 'bench-logs');
/** Set: every app writes a V8 CPU profile there, and the busiest functions are printed. */
const PROFILE_DIR = process.env.SUPPLIER_PROFILE_DIR;

type Path = 'supplier' | 'quantity';
const skuOf = (path: Path, i: number) => (path === 'supplier' ? `BENCH-SUP-${i}` : `BENCH-QTY-${i}`);
const productOf = (i: number) => `P-${i}`;

/** One stock change: the quantity its four targets must reach, when it was sent and when each channel caught up. */
interface Change {
  sku: string;
  quantity: number;
  sentAt: number;
  /** The notice answered (200), or the lane record acknowledged by the broker. */
  answeredAt?: number;
  caughtUp: Map<string, number>;
  phase: number;
  measured: boolean;
}

interface PhaseResult {
  path: Path;
  sent: number;
  sendingSeconds: number;
  total: number[];
  answered: number[];
  firstTarget: number[];
  notAnswered200: number;
  failed: number;
  cpu: Map<string, number>;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0];
  const infra = await benchInfra('supplier');
  const prefix = uniqueTopicPrefix('supplier');
  const handler = createInventoryBatchHandler(await PostgresEventStore.create(infra.db.pool));

  // Both sets of SKUs straight into the event store (the apps start on them, as after a deployment).
  const now = Date.now();
  for (const path of ['supplier', 'quantity'] as const) {
    for (let from = 0; from < SKUS; from += 200) {
      const commands = [];
      for (let i = from; i < Math.min(SKUS, from + 200); i++) {
        const sku = skuOf(path, i);
        const list: InventoryCommand[] = [
          { type: 'RegisterSku', data: { sku, now, kind: path } },
          ...CHANNELS.map((channel): InventoryCommand => ({
            type: 'SetChannelPolicy',
            data: { sku, now, channel, bufferQuantity: 0, sharePercent: 100 },
          })),
          path === 'supplier'
            ? {
                type: 'ConfigureSupply',
                data: { sku, now, suppliers: [{ supplierId: SUPPLIER_ID, productId: productOf(i) }] },
              }
            : { type: 'ReceiveStock', data: { sku, now, batchId: 'opening', quantity: INITIAL_STOCK } },
        ];
        commands.push(
          ...list.map((command, k) => ({
            streamId: skuStreamId(sku),
            commandId: `seed-${sku}-${k}`,
            command,
          })),
        );
      }
      await handler.handleBatch(commands);
    }
  }

  const supplier = new SupplierSimulator({ appId: 'stocksync', secret: SUPPLIER_SECRET });
  await supplier.start();
  supplier.seed(
    Array.from({ length: SKUS }, (_, i) => ({
      productId: productOf(i),
      kind: 'topUp' as const,
      faceValue: 100,
      supplyPrice: 95,
      stock: INITIAL_STOCK,
    })),
  );

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
    AppProcess.create(`bench-${app}`, app, { ...common, ...env }, LOG_DIR, nodeArgs);
  const apps = [
    await create('inventory-service'),
    await create('projector'),
    await create('connector-supplier', {
      // One catalogue poll at start (the new links); after that only notices.
      SUPPLIERS: JSON.stringify([
        {
          id: SUPPLIER_ID,
          baseUrl: supplier.url,
          appId: 'stocksync',
          secret: SUPPLIER_SECRET,
          timeoutMs: 5_000,
          pollIntervalMs: 86_400_000,
          noticesEnabled: true,
        },
      ]),
    }),
  ];
  const connector = apps[2];
  const bus = testKafkaBus('bench-supplier', prefix);
  try {
    for (const app of apps) app.start();
    await Promise.all(apps.map((a) => a.ready(120_000)));
    supplier.setNoticeTarget({
      url: connector.url,
      path: `/v1/supplier-notices?supplier=${SUPPLIER_ID}`,
    });

    /** Changes waiting for their targets, per SKU; the highest quantity seen per SKU and channel. */
    const pending = new Map<string, Change[]>();
    const newest = new Map<string, Map<string, number>>();
    let done: Change[] = [];
    let targetsSeen = 0;
    await bus.subscribe(ChannelTargetsTopic, 'bench-platforms', async (batch) => {
      const at = performance.now();
      targetsSeen += batch.messages.length;
      for (const { envelope } of batch.messages) {
        const { sku, channel, quantity } = envelope.payload;
        const perChannel = newest.get(sku) ?? new Map<string, number>();
        perChannel.set(channel, Math.max(quantity, perChannel.get(channel) ?? -1));
        newest.set(sku, perChannel);
        const list = pending.get(sku);
        if (!list) continue;
        for (const change of list) {
          if (quantity >= change.quantity && !change.caughtUp.has(channel)) change.caughtUp.set(channel, at);
        }
        const left = list.filter((c) => c.caughtUp.size < CHANNELS.length);
        done.push(...list.filter((c) => c.caughtUp.size === CHANNELS.length));
        if (left.length > 0) pending.set(sku, left);
        else pending.delete(sku);
      }
    });
    await bus.start();

    // Warm-up: every quantity SKU's seed, and every supplier SKU observed by the connector's catalogue poll, on
    // all four channels; then two quiet seconds.
    const warmUpStarted = performance.now();
    const reached = () => {
      let n = 0;
      for (const path of ['supplier', 'quantity'] as const)
        for (let i = 0; i < SKUS; i++)
          for (const channel of CHANNELS)
            if ((newest.get(skuOf(path, i))?.get(channel) ?? -1) >= INITIAL_STOCK) n++;
      return n;
    };
    let lastCount = -1;
    let quietSince = performance.now();
    while (performance.now() - warmUpStarted < 300_000) {
      if (targetsSeen !== lastCount) {
        lastCount = targetsSeen;
        quietSince = performance.now();
      } else if (reached() === 2 * SKUS * CHANNELS.length && performance.now() - quietSince >= 2_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (reached() < 2 * SKUS * CHANNELS.length)
      throw new Error(`warm-up: only ${reached()} of ${2 * SKUS * CHANNELS.length} initial targets arrived`);
    const warmUpSeconds = (performance.now() - warmUpStarted) / 1000;
    const seedTargets = targetsSeen;

    const stock = {
      supplier: new Array<number>(SKUS).fill(INITIAL_STOCK),
      quantity: new Array<number>(SKUS).fill(INITIAL_STOCK),
    };
    const cursor = { supplier: 0, quantity: 0 };
    let phase = 0;
    const track = (sku: string, quantity: number, measured: boolean): Change => {
      const change: Change = {
        sku,
        quantity,
        sentAt: performance.now(),
        caughtUp: new Map(),
        phase,
        measured,
      };
      const list = pending.get(sku);
      if (list) list.push(change);
      else pending.set(sku, [change]);
      return change;
    };

    const runPhase = async (path: Path, seconds: number, measured: boolean): Promise<PhaseResult> => {
      phase += 1;
      done = [];
      const completed = () => done.filter((c) => c.phase === phase).length;
      let notAnswered200 = 0;
      let failed = 0;
      const cpuBefore = await cpuSeconds(apps, infra.db.pool);
      const started = performance.now();
      const count = Math.round(seconds * RATE);
      const sends: Promise<void>[] = [];
      let lastSent = started;
      for (let n = 0; n < count; n++) {
        const dueAt = started + (n * 1000) / RATE;
        const wait = dueAt - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const i = cursor[path]++ % SKUS;
        const quantity = (stock[path][i] += 1);
        const change = track(skuOf(path, i), quantity, measured);
        lastSent = change.sentAt;
        if (path === 'supplier') {
          sends.push(
            supplier.changeProduct(productOf(i), { stock: quantity }).then(
              (answer) => {
                change.answeredAt = performance.now();
                if (answer?.status !== 200) notAnswered200++;
              },
              () => void failed++,
            ),
          );
        } else {
          const commandId = `bench-receive:${change.sku}:${quantity}`;
          const request: OutgoingMessage<typeof ChannelEventsTopic> = {
            type: 'inventory.command',
            eventId: randomUUID(),
            occurredAt: new Date(),
            payload: {
              sku: change.sku,
              commandId,
              commandType: 'ReceiveStock',
              data: { batchId: `bench-${quantity}`, quantity: 1 },
              actor: 'benchmark',
            },
          };
          sends.push(
            bus.publish(ChannelEventsTopic, [request]).then(
              () => void (change.answeredAt = performance.now()),
              () => void failed++,
            ),
          );
        }
      }
      const sendingSeconds = Math.max(1e-3, (lastSent - started) / 1000);
      await Promise.all(sends);
      const drainUntil = performance.now() + DRAIN_SECONDS * 1000;
      while (completed() < count && performance.now() < drainUntil)
        await new Promise((r) => setTimeout(r, 100));
      const cpu = cpuBetween(cpuBefore, await cpuSeconds(apps, infra.db.pool));
      const sorted = (f: (c: Change) => number | undefined) =>
        done
          .filter((c) => c.measured && c.phase === phase)
          .map(f)
          .filter((v): v is number => v !== undefined)
          .sort((a, b) => a - b);
      return {
        path,
        sent: count,
        sendingSeconds,
        total: sorted((c) => Math.max(...c.caughtUp.values()) - c.sentAt),
        answered: sorted((c) => (c.answeredAt === undefined ? undefined : c.answeredAt - c.sentAt)),
        firstTarget: sorted((c) => Math.min(...c.caughtUp.values()) - c.sentAt),
        notAnswered200,
        failed,
        cpu,
      };
    };

    if (WARMUP_SECONDS > 0) {
      await runPhase('supplier', WARMUP_SECONDS, false);
      await runPhase('quantity', WARMUP_SECONDS, false);
    }
    const supplierPhase = await runPhase('supplier', SECONDS, true);
    const quantityPhase = await runPhase('quantity', SECONDS, true);
    const left = [...pending.values()].reduce((n, list) => n + list.length, 0);

    const pids = apps.map((a) => `${a.name} pid ${a.pid}`).join(', ');
    await bus.stop();
    await Promise.all(apps.map((a) => a.stop()));
    const profiles = PROFILE_DIR ? `${pids}\n${topSelfTime(PROFILE_DIR)}` : undefined;

    const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);
    const quantiles = (list: number[]) =>
      `p50 ${ms(percentile(list, 50))}, p95 ${ms(percentile(list, 95))}, p99 ${ms(percentile(list, 99))}, max ${ms(list[list.length - 1] ?? NaN)}`;
    const report = (r: PhaseResult, label: string, answer: string) => {
      console.log(
        `  ${label}: ${r.sent} changes sent in ${r.sendingSeconds.toFixed(1)} s (${((r.sent - 1) / r.sendingSeconds).toFixed(1)}/s achieved), ${r.total.length} with all four targets published within the run + ${DRAIN_SECONDS} s drain${r.notAnswered200 ? `, ${r.notAnswered200} not answered 200` : ''}${r.failed ? `, ${r.failed} failed` : ''}`,
      );
      console.log(`    sent → last of four targets published: ${quantiles(r.total)}`);
      console.log(`    sent → first target published:         ${quantiles(r.firstTarget)}`);
      console.log(`    sent → ${answer}: ${quantiles(r.answered)}`);
      console.log(
        `    CPU during the phase and its drain: ${[...r.cpu].map(([name, s]) => `${name} ${s.toFixed(1)} s (${((1000 * s) / r.sent).toFixed(2)} ms per change)`).join(', ')}`,
      );
    };
    console.log(
      `machine: ${machine()}; load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
    );
    console.log(
      `supplier stock: ${SKUS} supplier-backed SKUs (one top-up product each, four channels at 100%), changes round-robin at ${RATE}/s for ${SECONDS} s, one signed notice per change; after ${WARMUP_SECONDS} s of unmeasured changes on each path`,
    );
    console.log(
      `  warm-up: the seed projected, the supplier SKUs observed by the connector's catalogue poll and ${seedTargets} targets through in ${warmUpSeconds.toFixed(1)} s, before the clock started`,
    );
    report(supplierPhase, 'supplier notices', 'notice answered 200 (verified, lane command published)');
    report(
      quantityPhase,
      'baseline, ReceiveStock lane commands on quantity SKUs',
      'record acknowledged by the broker',
    );
    console.log(
      `  ratio supplier / baseline: p50 ${(percentile(supplierPhase.total, 50) / percentile(quantityPhase.total, 50)).toFixed(2)}x, p99 ${(percentile(supplierPhase.total, 99) / percentile(quantityPhase.total, 99)).toFixed(2)}x${left ? `; ${left} changes never completed` : ''}`,
    );
    if (profiles)
      console.log(`  CPU, the functions with the most time of their own (${PROFILE_DIR}):\n${profiles}`);
  } finally {
    await bus.stop().catch(() => undefined);
    await Promise.all(apps.map((a) => a.stop()));
    await supplier.stop();
    await deleteTopicsWithPrefix(prefix);
    await infra.close();
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds (user + system) of a process so far, from /proc; undefined when not readable (not Linux, gone). */
function processCpu(pid: number): number | undefined {
  try {
    // Fields after the command name: state is the 3rd field, utime the 14th, stime the 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds each app process, this process and the PostgreSQL backends connected to the benchmark's database
 * (server on this machine; per backend pid, so one that exits between two readings loses its share) used so far.
 */
async function cpuSeconds(apps: readonly AppProcess[], pool: Pool): Promise<Map<string, number>> {
  const used = new Map<string, number>();
  for (const app of apps) {
    const seconds = app.pid === undefined ? undefined : processCpu(app.pid);
    if (seconds !== undefined) used.set(app.app, seconds);
  }
  const self = process.cpuUsage();
  used.set('benchmark', (self.user + self.system) / 1e6);
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  for (const { pid } of rows) {
    const seconds = processCpu(pid);
    if (seconds !== undefined) used.set(`postgres:${pid}`, seconds);
  }
  return used;
}

/** Per process, the CPU seconds used between two readings; the PostgreSQL backends summed as one. */
function cpuBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const used = new Map<string, number>();
  for (const [name, seconds] of after) {
    const key = name.startsWith('postgres:') ? 'PostgreSQL (this database)' : name;
    used.set(key, (used.get(key) ?? 0) + seconds - (before.get(name) ?? 0));
  }
  return used;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
