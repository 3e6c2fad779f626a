import { formatViolations } from '../history/oracle';
import { runSimulation, type SimulationResult, type SimulationStats } from './simulation';

/**
 * SIM_SEEDS=<count> runs that many seeds from SIM_FIRST_SEED (default 1); SIM_SEED=<n> replays exactly one.
 * Every seed is a whole run of the write path under crashes, redeliveries, reordered and duplicated notices,
 * version conflicts and store outages, judged by the history checker.
 */
const single = process.env.SIM_SEED !== undefined ? Number(process.env.SIM_SEED) : undefined;
const count = Number(process.env.SIM_SEEDS ?? 1000);
const first = Number(process.env.SIM_FIRST_SEED ?? 1);
const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => first + i);

/** Every notice the run sends is valid: one that ends up dead-lettered was lost to a fault, whatever it was. */
function failed(r: SimulationResult): boolean {
  return r.violations.length > 0 || r.stats.deadLetters > 0;
}

function describeFailure(r: SimulationResult): string {
  const lost = r.stats.deadLetters > 0 ? `\n${r.stats.deadLetters} valid notices dead-lettered` : '';
  return `seed ${r.seed} (replay: SIM_SEED=${r.seed} npm run test:sim)\n${formatViolations(r.violations)}${lost}\nstats ${JSON.stringify(r.stats)}`;
}

describe('seeded simulation of the inventory write path', () => {
  it(`given ${seeds.length} seeds, when each run is judged by the history checker, then no rule is broken`, async () => {
    const failures: SimulationResult[] = [];
    const totals: Partial<Record<keyof SimulationStats, number>> = {};
    const started = process.hrtime.bigint();
    for (const seed of seeds) {
      const result = await runSimulation({ seed });
      for (const [k, v] of Object.entries(result.stats) as [keyof SimulationStats, number][])
        totals[k] = (totals[k] ?? 0) + v;
      if (failed(result)) {
        failures.push(result);
        process.stdout.write(`${describeFailure(result)}\n`);
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(
      `simulation: ${seeds.length} seeds in ${seconds.toFixed(1)} s (${(seeds.length / seconds).toFixed(1)} seeds/s); ` +
        `faults injected: ${JSON.stringify(totals)}\n`,
    );

    expect(failures.map(describeFailure)).toEqual([]);
    if (single === undefined && seeds.length >= 100) {
      // The run is only worth something if the faults happened.
      expect(totals.crashes).toBeGreaterThan(0);
      expect(totals.outageCalls).toBeGreaterThan(0);
      expect(totals.conflicts).toBeGreaterThan(0);
      expect(totals.delivered).toBeGreaterThan(0);
    }
  }, 600_000);

  it('given one seed, when it runs twice, then both runs store and deliver exactly the same things', async () => {
    const seed = single ?? 7;
    const a = await runSimulation({ seed });
    const b = await runSimulation({ seed });
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(b.stats).toEqual(a.stats);
  });

  describe('the oracle catches a deliberately broken component', () => {
    async function firstViolations(
      broken: Parameters<typeof runSimulation>[0]['broken'],
    ): Promise<SimulationResult | undefined> {
      for (let seed = 1; seed <= 300; seed++) {
        const result = await runSimulation({ seed, broken });
        if (result.violations.length > 0) return result;
      }
      return undefined;
    }

    it('given a store that ignores expected versions, when a second writer races the consumer, then an oversell is reported', async () => {
      const found = await firstViolations('store-without-version-check');
      expect(found?.violations.map((v) => v.rule)).toContain('OVERSOLD');
      // What a failing seed prints: the seed, how to replay it, and what broke.
      expect(describeFailure(found!)).toContain(`SIM_SEED=${found!.seed} npm run test:sim`);
      expect(describeFailure(found!)).toContain('OVERSOLD: ');
    });

    it('given a consumer that commits a batch before processing it, when it crashes, then a paid order without an answer is reported', async () => {
      const found = await firstViolations('consumer-commits-before-processing');
      expect(found?.violations.map((v) => v.rule)).toContain('PAID_WITHOUT_OUTCOME');
    });

    it('given a consumer that reports a store outage as a bad message, when the store stays away, then the dead-lettered payment is reported', async () => {
      const found = await firstViolations('outage-reported-as-bad-message');
      expect(found?.stats.deadLetters).toBeGreaterThan(0);
      expect(found?.violations.map((v) => v.rule)).toContain('PAID_WITHOUT_OUTCOME');
    });
  });
});
