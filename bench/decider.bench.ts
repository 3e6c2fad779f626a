/**
 * Decisions per second of the pure inventory decider on one hot SKU: a flash sale of reserve + confirm
 * pairs, each command decided and its events evolved into the next state, as a command handler does.
 *
 * Baselines measured in the same run:
 *  - rebuild: the same decider, but state is rebuilt from every event so far before each decision
 *    (event sourcing without keeping state in memory). Quadratic, so it is bounded by time; its rate is
 *    measured over the orders it reached, which flatters it.
 *  - counter: a plain mutable counter with a Map for idempotency. No events, no history, no card-key
 *    allocation: the floor cost of an in-memory check, for scale.
 *
 * Run: npx ts-node --transpile-only -r tsconfig-paths/register bench/decider.bench.ts [orders] [maxSeconds]
 */
import {
  inventoryDecider,
  InventoryCommand,
  InventoryEvent,
  InventoryState,
  StockKind,
  stockLevels,
} from '@libs/inventory';

const ORDERS = Number(process.argv[2] ?? 200_000);
const MAX_SECONDS = Number(process.argv[3] ?? 30);
const REBUILD_MAX_SECONDS = 5;
const SKU = 'HOT';
const T0 = Date.UTC(2026, 0, 1);
const { decide, evolve, initialState } = inventoryDecider;

interface Run {
  label: string;
  orders: number;
  decisions: number;
  /** Wall-clock seconds of the timed loop. */
  seconds: number;
  /** CPU seconds of this process over the loop (garbage collection included): steadier on a shared box. */
  cpuSeconds: number;
}

function timer(): () => { seconds: number; cpuSeconds: number } {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  };
}

const rate = (run: Run) => run.decisions / run.seconds;

function apply(state: InventoryState, command: InventoryCommand, log?: InventoryEvent[]): InventoryState {
  const events = decide(command, state);
  if (log !== undefined) for (const event of events) log.push(event);
  let next = state;
  for (const event of events) next = evolve(next, event);
  return next;
}

function stocked(kind: StockKind, units: number): InventoryState {
  let state = apply(initialState(), {
    type: 'RegisterSku',
    data: { sku: SKU, now: T0, kind, lowStockThreshold: 10, perOrderCap: 5 },
  });
  if (kind === 'quantity') {
    return apply(state, {
      type: 'ReceiveStock',
      data: { sku: SKU, now: T0, batchId: 'b0', quantity: units },
    });
  }
  for (let first = 0; first < units; first += 1000) {
    const batch = Array.from({ length: Math.min(1000, units - first) }, (_, i) => ({
      unitId: `u${first + i}`,
      fingerprint: `f${first + i}`,
    }));
    state = apply(state, {
      type: 'ImportCardKeys',
      data: { sku: SKU, now: T0, batchId: `b${first}`, units: batch },
    });
  }
  return state;
}

const reserve = (i: number): InventoryCommand => ({
  type: 'ReserveStock',
  data: {
    sku: SKU,
    now: T0 + i,
    channel: 'taobao',
    channelOrderId: `o${i}`,
    lines: [{ quantity: 1 }],
    expiresAt: T0 + i + 900_000,
  },
});
const confirm = (i: number): InventoryCommand => ({
  type: 'ConfirmReservation',
  data: { sku: SKU, now: T0 + i, channel: 'taobao', channelOrderId: `o${i}` },
});

function runDecider(kind: StockKind): Run {
  let state = stocked(kind, ORDERS);
  const deadline = Date.now() + MAX_SECONDS * 1000;
  const stop = timer();
  let orders = 0;
  while (orders < ORDERS && (orders % 1000 !== 0 || Date.now() < deadline)) {
    state = apply(state, reserve(orders));
    state = apply(state, confirm(orders));
    orders += 1;
  }
  const elapsed = stop();
  const levels = stockLevels(state);
  if (levels.delivered !== orders || levels.reserved !== 0)
    throw new Error(`bookkeeping is off: ${JSON.stringify(levels)}`);
  return { label: `decider, ${kind}`, orders, decisions: orders * 2, ...elapsed };
}

function runRebuild(): Run {
  const log: InventoryEvent[] = [];
  apply(
    initialState(),
    {
      type: 'RegisterSku',
      data: { sku: SKU, now: T0, kind: 'quantity', lowStockThreshold: 10, perOrderCap: 5 },
    },
    log,
  );
  apply(
    log.reduce(evolve, initialState()),
    { type: 'ReceiveStock', data: { sku: SKU, now: T0, batchId: 'b0', quantity: ORDERS } },
    log,
  );
  const deadline = Date.now() + REBUILD_MAX_SECONDS * 1000;
  const stop = timer();
  let orders = 0;
  while (orders < ORDERS && Date.now() < deadline) {
    for (const command of [reserve(orders), confirm(orders)]) {
      const state = log.reduce(evolve, initialState());
      for (const event of decide(command, state)) log.push(event);
    }
    orders += 1;
  }
  const elapsed = stop();
  return { label: 'rebuild from all events per decision', orders, decisions: orders * 2, ...elapsed };
}

function runCounter(): Run {
  let onHand = ORDERS;
  let reserved = 0;
  const orderStatus = new Map<string, 'reserved' | 'confirmed'>();
  const deadline = Date.now() + MAX_SECONDS * 1000;
  const stop = timer();
  let orders = 0;
  while (orders < ORDERS && (orders % 1000 !== 0 || Date.now() < deadline)) {
    const key = `taobao:o${orders}`;
    if (!orderStatus.has(key) && onHand - reserved >= 1) {
      reserved += 1;
      orderStatus.set(key, 'reserved');
    }
    if (orderStatus.get(key) === 'reserved') {
      reserved -= 1;
      onHand -= 1;
      orderStatus.set(key, 'confirmed');
    }
    orders += 1;
  }
  const elapsed = stop();
  if (onHand !== ORDERS - orders) throw new Error('counter bookkeeping is off');
  return { label: 'mutable counter + Map', orders, decisions: orders * 2, ...elapsed };
}

function format(run: Run): string {
  const perSecond = Math.round(rate(run)).toLocaleString('en-US');
  const perCpuSecond = Math.round(run.decisions / run.cpuSeconds).toLocaleString('en-US');
  return [
    run.label.padEnd(38),
    `${String(run.orders).padStart(7)} orders`,
    `${run.seconds.toFixed(2).padStart(6)} s`,
    `${perSecond.padStart(10)} decisions/s`,
    `(${perCpuSecond} per CPU second)`,
  ].join('  ');
}

function main(): void {
  console.log(
    `hot SKU, ${ORDERS.toLocaleString('en-US')} orders of 1 unit, reserve + confirm each; node ${process.version}`,
  );
  const quantity = runDecider('quantity');
  const cardKey = runDecider('cardKey');
  const rebuild = runRebuild();
  const counter = runCounter();
  for (const run of [quantity, cardKey, rebuild, counter]) console.log(format(run));
  console.log(`ratio decider (quantity) / rebuild: ${(rate(quantity) / rate(rebuild)).toFixed(1)}x`);
  console.log(`ratio decider (card keys) / rebuild: ${(rate(cardKey) / rate(rebuild)).toFixed(1)}x`);
  console.log(`ratio decider (quantity) / mutable counter: ${(rate(quantity) / rate(counter)).toFixed(3)}x`);
}

main();
