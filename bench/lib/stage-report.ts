import { FULFILMENT_STAGES } from '@libs/observability';

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
 * stocksync_fulfilment_stage_seconds read back from the Prometheus text of each process's /metrics (the
 * connectors', the inventory service's), merged per stage. Quantiles are interpolated inside the bucket as
 * Prometheus' histogram_quantile does, so they read the same as the Grafana panel.
 */
export function stageSummariesFromText(expositions: string[]): StageSummary[] {
  const samples: Sample[] = [];
  const line = new RegExp(`^${METRIC}(_bucket|_sum|_count)\\{([^}]*)\\} (\\S+)$`);
  for (const text of expositions) {
    for (const raw of text.split('\n')) {
      const m = line.exec(raw.trim());
      if (!m) continue;
      const labels = Object.fromEntries(
        [...m[2].matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v] as [string, string]),
      );
      samples.push({ series: m[1], stage: labels.stage, le: labels.le, value: Number(m[3]) });
    }
  }
  return summarise(samples);
}

const METRIC = 'stocksync_fulfilment_stage_seconds';

interface Sample {
  series: string;
  stage: string;
  le?: string;
  value: number;
}

function summarise(samples: Sample[]): StageSummary[] {
  const byStage = new Map<string, { sum: number; count: number; cumulative: Map<number, number> }>();
  for (const v of samples) {
    const entry = byStage.get(v.stage) ?? { sum: 0, count: 0, cumulative: new Map() };
    byStage.set(v.stage, entry);
    if (v.series === '_sum') entry.sum += v.value;
    else if (v.series === '_count') entry.count += v.value;
    else if (v.series === '_bucket') {
      const le = v.le === '+Inf' ? Infinity : Number(v.le);
      entry.cumulative.set(le, (entry.cumulative.get(le) ?? 0) + v.value);
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
