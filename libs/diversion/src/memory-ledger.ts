import {
  alertKeyOf,
  evaluateOrder,
  type ObservedOrder,
  type Violation,
  volumeContributions,
  volumeKey,
} from './evaluate';
import type { DiversionRule } from './rules';

/** One order's outcome: every violation, and those that open a new alert (the first of their key). */
export interface LedgerOutcome {
  violations: Violation[];
  alerts: Violation[];
  /** False when the event id was seen before: nothing counted, nothing alerted. */
  fresh: boolean;
}

/**
 * The engine's semantics in memory, for one process: event ids deduplicated, volume counted over a sliding window,
 * one alert per rule:subject:window. The PostgreSQL engine keeps the same state in tables so several instances and
 * restarts agree; the tests hold it to this one.
 */
export class MemoryDiversionLedger {
  private readonly seen = new Set<string>();
  private readonly alerted = new Set<string>();
  private readonly volume = new Map<string, { at: number; amount: number }[]>();

  process(order: ObservedOrder, rules: readonly DiversionRule[]): LedgerOutcome {
    if (this.seen.has(order.eventId)) return { violations: [], alerts: [], fresh: false };
    this.seen.add(order.eventId);
    const counts = new Map<string, number>();
    const t = order.at.getTime();
    for (const c of volumeContributions(order, rules)) {
      const key = volumeKey(c.ruleId, c.subject);
      const entries = this.volume.get(key) ?? [];
      entries.push({ at: t, amount: c.amount });
      this.volume.set(key, entries);
      counts.set(key, windowSum(entries, t, c.windowMs));
    }
    const violations = evaluateOrder(
      order,
      rules,
      (ruleId, subject) => counts.get(volumeKey(ruleId, subject)) ?? 0,
    );
    const alerts = violations.filter((v) => {
      const key = alertKeyOf(v);
      if (this.alerted.has(key)) return false;
      this.alerted.add(key);
      return true;
    });
    return { violations, alerts, fresh: true };
  }

  hasAlerted(key: string): boolean {
    return this.alerted.has(key);
  }
}

/** Sum over (t − window, t]: an order exactly one window old no longer counts. */
export function windowSum(
  entries: readonly { at: number; amount: number }[],
  t: number,
  windowMs: number,
): number {
  let sum = 0;
  for (const e of entries) if (e.at > t - windowMs && e.at <= t) sum += e.amount;
  return sum;
}
