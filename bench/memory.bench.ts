/**
 * Memory and snapshot size of the inventory state, in this process (no database or broker: the figures are
 * what the inventory service would hold and what a snapshot row would carry).
 *
 *  A. One instance holding MEMORY_SKUS (default 1,000,000) SKU states in its stream-state cache, each registered
 *     and stocked (a catalogue at rest), once as decided and once as loaded from snapshots (JSON read back and
 *     revived). RSS and heap before and after; bytes per SKU.
 *  B. One SKU with MEMORY_ORDERS (default 1,000,000) settled orders (reserved, then confirmed): the snapshot's
 *     JSON size, the time to serialise it and to parse it back (what loading it costs), RSS. Baseline in the same
 *     run: the same SKU with no orders. The ratio shows how a SKU's snapshot grows with its settled history.
 *     Then the books are closed (CloseBooks) and 1,000 orders follow inside the horizon; baseline: a SKU that only
 *     ever had those 1,000 orders. That ratio is the goal's (a snapshot independent of settled history).
 *
 *   npm run bench -- bench/memory.bench.ts   (MEMORY_SKUS, MEMORY_ORDERS; each part runs in a child process with
 *   --expose-gc and an 8 GiB heap limit)
 */
import { spawnSync } from 'node:child_process';
import { StreamStateCache } from '@libs/command-handling';
import {
  inventoryDecider,
  MIN_BOOKS_HORIZON_MS,
  type InventoryCommand,
  type InventoryState,
} from '@libs/inventory';
import { machine } from './lib/bench-infra';

const SKUS = Number(process.env.MEMORY_SKUS ?? 1_000_000);
const ORDERS = Number(process.env.MEMORY_ORDERS ?? 1_000_000);
const T0 = Date.UTC(2026, 0, 1);
const { decide, evolve, initialState } = inventoryDecider;
const MiB = 2 ** 20;

function apply(state: InventoryState, command: InventoryCommand): InventoryState {
  return decide(command, state).reduce(evolve, state);
}

function stocked(sku: string): InventoryState {
  const registered = apply(initialState(), { type: 'RegisterSku', data: { sku, now: T0, kind: 'quantity' } });
  return apply(registered, {
    type: 'ReceiveStock',
    data: { sku, now: T0, batchId: 'b0', quantity: ORDERS + 10_000 },
  });
}

function settle(): void {
  global.gc?.();
  global.gc?.();
}

function memory() {
  settle();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

function snapshotFigures(label: string, state: InventoryState) {
  settle();
  let t = performance.now();
  const json = JSON.stringify(state);
  const serialiseMs = performance.now() - t;
  t = performance.now();
  JSON.parse(json);
  const parseMs = performance.now() - t;
  const bytes = Buffer.byteLength(json, 'utf8');
  console.log(
    `  ${label.padEnd(34)} snapshot ${(bytes / MiB).toFixed(2).padStart(8)} MiB (${bytes} bytes), ` +
      `serialise ${serialiseMs.toFixed(0)} ms, parse (load) ${parseMs.toFixed(0)} ms`,
  );
  return { bytes, serialiseMs, parseMs };
}

/** As decided (`MEMORY_LOADED` unset) or as loaded from a snapshot: JSON read back, then the decider's revive. */
function cachedState(sku: string): InventoryState {
  const state = stocked(sku);
  if (process.env.MEMORY_LOADED !== '1') return state;
  return inventoryDecider.revive!(JSON.parse(JSON.stringify(state)) as InventoryState);
}

function cacheOfManySkus(): void {
  const before = memory();
  const cache = new StreamStateCache<InventoryState>(SKUS);
  const started = performance.now();
  for (let i = 0; i < SKUS; i++) cache.set(`sku-S${i}`, { state: cachedState(`S${i}`), version: 2 });
  const seconds = (performance.now() - started) / 1000;
  const after = memory();
  const how = process.env.MEMORY_LOADED === '1' ? 'loaded from snapshots' : 'as decided';
  console.log(`A. ${SKUS} SKU states ${how} in one stream-state cache (built in ${seconds.toFixed(1)} s)`);
  console.log(
    `  RSS ${(before.rss / MiB).toFixed(0)} → ${(after.rss / MiB).toFixed(0)} MiB, heap ${(before.heap / MiB).toFixed(0)} → ` +
      `${(after.heap / MiB).toFixed(0)} MiB; ${((after.heap - before.heap) / cache.size).toFixed(0)} heap bytes per SKU (goal: RSS under 512 MiB)`,
  );
}

function skuWithLongHistory(): void {
  console.log(`B. one SKU's snapshot against its settled history`);
  const empty = snapshotFigures('no orders (baseline)', stocked('HOT'));
  const before = memory();
  let state = stocked('HOT');
  const started = performance.now();
  state = sellOrders(state, ORDERS, T0, 'o');
  const seconds = (performance.now() - started) / 1000;
  const after = memory();
  console.log(
    `  ${ORDERS} orders reserved and confirmed in ${seconds.toFixed(1)} s; heap ${((after.heap - before.heap) / MiB).toFixed(0)} MiB more, RSS ${(after.rss / MiB).toFixed(0)} MiB`,
  );
  const full = snapshotFigures(`${ORDERS} settled orders`, state);
  console.log(
    `  ratio snapshot bytes, ${ORDERS} settled orders / none: ${(full.bytes / empty.bytes).toFixed(0)}x (goal: independent of history, 1x)`,
  );

  // Closing the books on everything settled (the owner does it once orders pass BOOKS_HORIZON_MS), then one more
  // day of trade: 1,000 orders inside the horizon stay in the state, as they would in production.
  const last = T0 + ORDERS;
  const t = performance.now();
  state = apply(state, {
    type: 'CloseBooks',
    data: { sku: 'HOT', now: last + MIN_BOOKS_HORIZON_MS, before: last },
  });
  const closeMs = performance.now() - t;
  state = sellOrders(state, 1_000, last + MIN_BOOKS_HORIZON_MS, 'recent');
  console.log(
    `  books closed on ${ORDERS} settled orders in ${closeMs.toFixed(0)} ms, then 1,000 orders inside the horizon`,
  );
  const closed = snapshotFigures('books closed, 1,000 recent orders', state);
  const recentOnly = snapshotFigures('1,000 orders, no older history', recentHistory(1_000));
  console.log(
    `  ratio snapshot bytes, closed books / the same 1,000 orders without the older history: ` +
      `${(closed.bytes / recentOnly.bytes).toFixed(2)}x (goal: independent of history, 1x)`,
  );
}

/** A SKU that only ever had `count` orders: the baseline for a state whose books are closed. */
function recentHistory(count: number): InventoryState {
  return sellOrders(stocked('HOT'), count, T0, 'recent');
}

/** `count` one-unit orders placed and paid, one per millisecond from `from`, ids `<prefix><i>`. */
function sellOrders(start: InventoryState, count: number, from: number, prefix: string): InventoryState {
  let state = start;
  for (let i = 0; i < count; i++) {
    const now = from + i;
    const channelOrderId = `${prefix}${i}`;
    state = apply(state, {
      type: 'ReserveStock',
      data: {
        sku: 'HOT',
        now,
        channel: 'taobao',
        channelOrderId,
        lines: [{ quantity: 1 }],
        expiresAt: now + 900_000,
      },
    });
    state = apply(state, {
      type: 'ConfirmReservation',
      data: { sku: 'HOT', now, channel: 'taobao', channelOrderId },
    });
  }
  return state;
}

/** Each part in a fresh process with the collector exposed, so one part's heap does not colour the other's RSS. */
function runPart(part: 'A' | 'B', extra: NodeJS.ProcessEnv = {}): void {
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      __filename,
    ],
    { env: { ...process.env, ...extra, MEMORY_PART: part }, stdio: 'inherit' },
  );
  if (result.status !== 0) process.exitCode = 1;
}

if (process.env.MEMORY_PART === 'A') cacheOfManySkus();
else if (process.env.MEMORY_PART === 'B') skuWithLongHistory();
else {
  console.log(`machine: ${machine()}`);
  runPart('A');
  runPart('A', { MEMORY_LOADED: '1' });
  runPart('B');
}
