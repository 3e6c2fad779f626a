import { Registry } from 'prom-client';
import { fulfilmentStages, observeStage } from './fulfilment-stages';

async function observed(registry: Registry, stage: string): Promise<{ count: number; sum: number }> {
  const values = (await fulfilmentStages(registry).get()).values as {
    value: number;
    labels: Record<string, string>;
    metricName?: string;
  }[];
  const of = (suffix: string) =>
    values.find((v) => v.labels.stage === stage && v.metricName?.endsWith(suffix))?.value ?? 0;
  return { count: of('_count'), sum: of('_sum') };
}

describe('fulfilment stages', () => {
  it('given two components on one registry, when both ask for the histogram, then they share one', () => {
    const registry = new Registry();
    expect(fulfilmentStages(registry)).toBe(fulfilmentStages(registry));
    expect(registry.getMetricsAsArray()).toHaveLength(1);
  });

  it('given a start and an end, when observed, then the stage gets the seconds between them', async () => {
    const registry = new Registry();
    observeStage(fulfilmentStages(registry), 'decision', 1_000, 1_250);
    expect(await observed(registry, 'decision')).toEqual({ count: 1, sum: 0.25 });
  });

  it('given an end before the start (another host clock), when observed, then it counts as zero', async () => {
    const registry = new Registry();
    observeStage(fulfilmentStages(registry), 'outcome', 2_000, 1_990);
    expect(await observed(registry, 'outcome')).toEqual({ count: 1, sum: 0 });
  });

  it('given no known start (a message without a broker timestamp), when observed, then nothing is recorded and nothing throws', async () => {
    const registry = new Registry();
    expect(() => observeStage(fulfilmentStages(registry), 'outcome', Number(undefined))).not.toThrow();
    expect(() => observeStage(undefined, 'outcome', 1)).not.toThrow();
    expect(await observed(registry, 'outcome')).toEqual({ count: 0, sum: 0 });
  });
});
