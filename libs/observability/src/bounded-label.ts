import type { Counter, LabelValues } from 'prom-client';

/** The label value that stands for every value outside a bounded label's set. */
export const OTHER_LABEL = 'other';

const WELL_FORMED = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface BoundedLabelOptions {
  /** Values that always keep their own series (our own codes, a documented set). */
  known?: Iterable<string>;
  /** How many other well-formed values get a series of their own, first come first served (default 0). */
  maxDynamic?: number;
}

/**
 * Maps a value someone outside chooses (a platform's error code, a channel name on a topic anyone on the broker
 * can write) to a label value from a bounded set: every distinct label value is a time series held in memory for
 * the life of the process, so a hostile or buggy sender must not be able to mint them. Known values pass; the
 * first `maxDynamic` other well-formed values pass; everything else is `other`.
 */
export class BoundedLabel {
  private readonly known: ReadonlySet<string>;
  private readonly dynamic = new Set<string>();
  private readonly maxDynamic: number;

  constructor(options: BoundedLabelOptions = {}) {
    this.known = new Set(options.known ?? []);
    this.maxDynamic = options.maxDynamic ?? 0;
  }

  of(value: unknown): string {
    const s = typeof value === 'string' ? value : String(value);
    if (this.known.has(s) || this.dynamic.has(s)) return s;
    if (this.dynamic.size >= this.maxDynamic || !WELL_FORMED.test(s)) return OTHER_LABEL;
    this.dynamic.add(s);
    return s;
  }
}

/**
 * Makes every `inc` (and `labels`) of the counter pass the named labels through their bounds, so no caller of the
 * counter can forget to. Returns the same counter.
 */
export function withBoundedLabels<T extends string>(
  counter: Counter<T>,
  bounds: Partial<Record<T, BoundedLabel>>,
): Counter<T> {
  const bound = (labels: LabelValues<T>): LabelValues<T> => {
    const out: LabelValues<T> = { ...labels };
    for (const name of Object.keys(bounds) as T[]) {
      if (out[name] !== undefined) out[name] = bounds[name]!.of(out[name]);
    }
    return out;
  };
  const inc = counter.inc.bind(counter) as (labels?: LabelValues<T> | number, value?: number) => void;
  const labels = counter.labels.bind(counter) as (labels: LabelValues<T>) => ReturnType<Counter<T>['labels']>;
  Object.assign(counter, {
    inc(labelsOrValue?: LabelValues<T> | number, value?: number): void {
      if (typeof labelsOrValue === 'object' && labelsOrValue !== null) inc(bound(labelsOrValue), value);
      else inc(labelsOrValue, value);
    },
    labels(...args: unknown[]) {
      if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null)
        return labels(bound(args[0] as LabelValues<T>));
      throw new Error('a counter with bounded labels takes its labels as an object');
    },
  });
  return counter;
}
