import { FULFILMENT_STAGES } from '@libs/observability';
import type { Registry } from 'prom-client';

interface Bucket {
  le: number;
  count: number;
}

export interface StageSummary {
  stage: string;
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Observations per bucket (not cumulative), by upper bound in seconds. */
  buckets: Bucket[];
}

/**
 * stocksync_fulfilment_stage_seconds read back from the registries of a run (the connector's, the inventory
 * service's), merged per stage. Quantiles are interpolated inside the bucket as Prometheus' histogram_quantile
 * does, so they read the same as the Grafana panel.
 */
export async function stageSummaries(registries: Registry[]): Promise<StageSummary[]> {
  const byStage = new Map<string, { sum: number; count: number; cumulative: Map<number, number> }>();
  for (const registry of registries) {
    const metric = registry.getSingleMetric('stocksync_fulfilment_stage_seconds');
    if (!metric) continue;
    // A histogram's values name their series (_bucket, _sum, _count).
    const values = (await metric.get()).values as {
      value: number;
      labels: Record<string, string | number>;
      metricName?: string;
    }[];
    for (const v of values) {
      const stage = String(v.labels.stage);
      const entry = byStage.get(stage) ?? { sum: 0, count: 0, cumulative: new Map() };
      byStage.set(stage, entry);
      if (v.metricName?.endsWith('_sum')) entry.sum += v.value;
      else if (v.metricName?.endsWith('_count')) entry.count += v.value;
      else if (v.metricName?.endsWith('_bucket')) {
        const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
        entry.cumulative.set(le, (entry.cumulative.get(le) ?? 0) + v.value);
      }
    }
  }
  return FULFILMENT_STAGES.filter((stage) => byStage.has(stage)).map((stage) => {
    const { sum, count, cumulative } = byStage.get(stage)!;
    const bounds = [...cumulative.keys()].sort((a, b) => a - b);
    const quantile = (q: number) => {
      const rank = q * count;
      let lower = 0;
      let below = 0;
      for (const le of bounds) {
        const upTo = cumulative.get(le)!;
        if (upTo >= rank) {
          if (le === Infinity) return lower * 1000;
          const inBucket = upTo - below;
          return (lower + (le - lower) * (inBucket === 0 ? 0 : (rank - below) / inBucket)) * 1000;
        }
        lower = le;
        below = upTo;
      }
      return NaN;
    };
    let previous = 0;
    const buckets = bounds.map((le) => {
      const upTo = cumulative.get(le)!;
      const b = { le, count: upTo - previous };
      previous = upTo;
      return b;
    });
    return {
      stage,
      count,
      meanMs: count === 0 ? NaN : (sum / count) * 1000,
      p50Ms: quantile(0.5),
      p99Ms: quantile(0.99),
      buckets,
    };
  });
}

/** One line per stage: count, mean, p50, p99 and where the observations fell. */
export function formatStages(summaries: StageSummary[]): string {
  const label = (le: number) => (le === Infinity ? '>60s' : le < 1 ? `${le * 1000}ms` : `${le}s`);
  return summaries
    .map((s) => {
      const spread = s.buckets
        .filter((b) => b.count > 0)
        .map((b) => `≤${label(b.le)}:${b.count}`)
        .join(' ');
      return `    ${s.stage.padEnd(13)} n=${String(s.count).padEnd(6)} mean ${s.meanMs.toFixed(1).padStart(7)} ms  p50 ${s.p50Ms.toFixed(1).padStart(7)} ms  p99 ${s.p99Ms.toFixed(1).padStart(7)} ms   ${spread}`;
    })
    .join('\n');
}
