import type { CatalogueSku, FaultStack } from './fault-stack';
import { Traffic, type TrafficOptions } from './traffic';
import { formatViolations, judge, listingsConverged, settle, until, type Verdict } from './verdict';

export interface ScenarioSpec {
  name: string;
  /** Fresh SKUs for this scenario, so an earlier scenario's sales do not decide this one's stock-outs. */
  catalogue: CatalogueSku[];
  traffic: Pick<TrafficOptions, 'orders' | 'ratePerSecond' | 'seed'> & Partial<TrafficOptions>;
  /** Orders acknowledged before the fault starts (so it hits a running flow). */
  faultAfterAcked: number;
  /** Injects the fault and removes it; returns when it ended (epoch ms). */
  fault: (traffic: Traffic) => Promise<number>;
  settleTimeoutMs?: number;
}

/** A catalogue of `quantity` and `cardKey` SKUs named after the scenario. */
export function catalogue(
  tag: string,
  counts: { quantity: number; cardKey: number; stock: number; keys: number },
): CatalogueSku[] {
  return [
    ...Array.from({ length: counts.quantity }, (_, i): CatalogueSku => ({
      sku: `${tag}-Q${i}`,
      kind: 'quantity',
      stock: counts.stock,
    })),
    ...Array.from({ length: counts.cardKey }, (_, i): CatalogueSku => ({
      sku: `${tag}-K${i}`,
      kind: 'cardKey',
      stock: counts.keys,
    })),
  ];
}

/**
 * Runs one scenario on a started stack: seeds its SKUs, waits until every platform lists them, starts the
 * bounded traffic, injects the fault once the flow is running, waits for the run to come to rest, and judges
 * the whole history so far. Throws on any violation.
 */
export class ScenarioRunner {
  private readonly earlier: Traffic[] = [];
  /** What earlier scenarios already failed on: a later one is judged on the whole history, but fails only on news. */
  private readonly reported = new Set<string>();

  constructor(private readonly stack: FaultStack) {}

  async run(spec: ScenarioSpec): Promise<Verdict> {
    const stack = this.stack;
    await stack.seed(spec.catalogue);
    await listingsConverged(stack, Date.now() + 60_000);
    const traffic = new Traffic({
      skus: spec.catalogue.map((s) => ({ sku: s.sku, maxPerLine: s.kind === 'cardKey' ? 2 : 3 })),
      target: (c) => stack.target(c),
      ...spec.traffic,
    });
    const startedAt = Date.now();
    const done = traffic.run();
    let faultEndedAt: number;
    let faultStartedAt = NaN;
    try {
      await until(`${spec.faultAfterAcked} orders acknowledged`, Date.now() + 60_000, async () =>
        traffic.acked('placed').length >= spec.faultAfterAcked
          ? undefined
          : `${traffic.acked('placed').length} so far`,
      );
      faultStartedAt = Date.now();
      faultEndedAt = await spec.fault(traffic);
    } catch (err) {
      traffic.stop();
      await done;
      throw err;
    }
    let settledAt = NaN;
    let unsettled: Error | undefined;
    try {
      settledAt = await settle(stack, traffic, done, spec.settleTimeoutMs ?? 180_000);
    } catch (err) {
      // Judged all the same: the violations say what was lost or doubled, which the timeout alone does not.
      unsettled = err as Error;
      traffic.stop();
      await done;
    }
    this.earlier.push(traffic);
    const verdict = await judge(
      spec.name,
      stack,
      traffic,
      this.earlier.slice(0, -1),
      {
        startedAt,
        faultStartedAt,
        faultEndedAt,
        settledAt,
      },
      this.reported,
    );
    if (unsettled || verdict.violations.length > 0) {
      const lines = formatViolations(verdict.violations.slice(0, 30));
      throw new Error(
        `${spec.name}: ${unsettled ? `${unsettled.message}; ` : ''}${verdict.violations.length} violations\n${lines}`,
      );
    }
    return verdict;
  }
}
