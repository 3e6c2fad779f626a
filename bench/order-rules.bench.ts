/**
 * Order rules at the decision stage: placements per second of the pure inventory decider on one SKU, with 100
 * order rules in force (the SKU owner hands them to every ReserveStock) against the same stream with none. The
 * stream is a flash sale of reserve + confirm pairs with sale observations (price, buyer, level), as the channel
 * connectors send them; each command is decided and its events evolved into the next state, as the SKU lane does.
 *
 * The rules are what an operator would keep: mostly conditions this stream never meets (other SKU prefixes,
 * channels, buyers), a few that match a share of it (a priority for a buyer level, a route, a hold on big orders is
 * left out so that payments still allocate). Rounds alternate baseline and rules, so a busy machine slows both.
 *
 * Run: npm run bench -- bench/order-rules.bench.ts [orders] [rounds]
 */
import {
  inventoryDecider,
  type InventoryCommand,
  type InventoryState,
  type OrderRule,
  orderRuling,
} from '@libs/inventory';

const ORDERS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const RULES = 100;
const SKU = 'GAME-HOT';
const T0 = Date.UTC(2026, 0, 1);
const { decide, evolve, initialState } = inventoryDecider;

function rules(count: number): OrderRule[] {
  const out: OrderRule[] = [];
  for (let i = 0; i < count; i++) {
    const ruleId = `r${String(i).padStart(3, '0')}`;
    const base = { ruleId, version: 1, position: i };
    switch (i % 5) {
      case 0: // another product line: never matches this SKU
        out.push({ ...base, when: { skuPrefix: `OTHER-${i}-` }, then: { type: 'hold' } });
        break;
      case 1: // a blocked buyer list this stream's buyers are not on
        out.push({
          ...base,
          when: { buyerRefs: [`blocked-${i}-a`, `blocked-${i}-b`, `blocked-${i}-c`] },
          then: { type: 'refuse', code: 'BLOCKED_BUYER' },
        });
        break;
      case 2: // a channel this stream does not use
        out.push({
          ...base,
          when: { channels: [`substation-${i}`] },
          then: { type: 'priority', priority: 50 },
        });
        break;
      case 3: // an amount band: matches the dearer orders
        out.push({
          ...base,
          when: { skuPrefix: 'GAME-', minAmount: 9_000 + i, maxAmount: 1_000_000 },
          then: { type: 'priority', priority: 1 + (i % 100) },
        });
        break;
      default: // a buyer level: matches a quarter of the buyers
        out.push({
          ...base,
          when: { buyerLevels: ['vip'], kinds: ['quantity', 'cardKey'] },
          then: { type: 'route', supplierId: `up-${i}` },
        });
    }
  }
  return out;
}

function registered(): InventoryState {
  let state = initialState();
  const setup: InventoryCommand[] = [
    { type: 'RegisterSku', data: { sku: SKU, now: T0, kind: 'quantity' } },
    { type: 'ReceiveStock', data: { sku: SKU, now: T0, batchId: 'b1', quantity: 10_000_000 } },
  ];
  for (const command of setup) for (const event of decide(command, state)) state = evolve(state, event);
  return state;
}

interface Run {
  decisions: number;
  seconds: number;
  cpuSeconds: number;
  ruled: number;
}

function flashSale(orderRules: readonly OrderRule[] | undefined, round: number): Run {
  let state = registered();
  let ruled = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < ORDERS; i++) {
    const channelOrderId = `r${round}-o${i}`;
    const now = T0 + i;
    const reserve: InventoryCommand = {
      type: 'ReserveStock',
      data: {
        sku: SKU,
        now,
        channel: i % 2 === 0 ? 'taobao' : 'shop',
        channelOrderId,
        lines: [{ quantity: 1 + (i % 3) }],
        expiresAt: now + 900_000,
        sale: {
          unitPrice: 3_000 + (i % 7) * 1_000,
          buyerRef: `buyer-${i % 5_000}`,
          buyerLevel: i % 4 === 0 ? 'vip' : 'normal',
        },
        ...(orderRules === undefined ? {} : { orderRules }),
      },
    };
    for (const event of decide(reserve, state)) {
      if (event.type === 'StockReserved' && event.data.ruling !== undefined) ruled++;
      state = evolve(state, event);
    }
    const confirm: InventoryCommand = {
      type: 'ConfirmReservation',
      data: { sku: SKU, now, channel: reserve.data.channel, channelOrderId },
    };
    for (const event of decide(confirm, state)) state = evolve(state, event);
  }
  const used = process.cpuUsage(cpu);
  return {
    decisions: ORDERS * 2,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    cpuSeconds: (used.user + used.system) / 1e6,
    ruled,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function main(): void {
  const ruleSet = rules(RULES);
  // The ruling alone, without the decision around it: what 100 rules cost per order.
  const facts = { sku: SKU, kind: 'quantity' as const, channel: 'taobao', quantity: 2 };
  const evalStarted = process.hrtime.bigint();
  const EVALS = 200_000;
  for (let i = 0; i < EVALS; i++)
    orderRuling(ruleSet, { ...facts, sale: { unitPrice: 9_500, buyerLevel: i % 4 === 0 ? 'vip' : 'x' } });
  const perRuling = Number(process.hrtime.bigint() - evalStarted) / 1e3 / EVALS;

  flashSale(undefined, -1); // warm-up of both paths
  flashSale(ruleSet, -2);
  const none: Run[] = [];
  const withRules: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    none.push(flashSale(undefined, round));
    withRules.push(flashSale(ruleSet, round));
  }
  const placements = (r: Run) => r.decisions / 2 / r.seconds;
  const cpuPlacements = (r: Run) => r.decisions / 2 / r.cpuSeconds;
  const baseline = median(none.map(placements));
  const ruled = median(withRules.map(placements));
  const baselineCpu = median(none.map(cpuPlacements));
  const ruledCpu = median(withRules.map(cpuPlacements));
  console.log(
    `order rules at the decision stage: ${ORDERS} placements + payments per round, ${ROUNDS} rounds`,
  );
  console.log(
    `  baseline, no rules:   ${Math.round(baseline)} placements/s (${Math.round(baselineCpu)}/CPU-s)`,
  );
  console.log(
    `  ${RULES} rules in force: ${Math.round(ruled)} placements/s (${Math.round(ruledCpu)}/CPU-s); ` +
      `${withRules[0]!.ruled} of ${ORDERS} placements ruled on`,
  );
  console.log(
    `  ratio rules / baseline: ${(ruled / baseline).toFixed(2)} (CPU ${(ruledCpu / baselineCpu).toFixed(2)})`,
  );
  console.log(`  one ruling over ${RULES} rules alone: ${perRuling.toFixed(2)} µs`);
}

main();
