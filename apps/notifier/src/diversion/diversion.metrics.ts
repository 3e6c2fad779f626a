import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The diversion engine's collectors on the notifier's one registry. No SKU, shop, buyer or IP as a label. */
export class DiversionMetrics {
  /** result: evaluated (first time), duplicate (a notice seen before). */
  readonly orders: Counter<'result'>;
  /** type: price-floor, region, volume. */
  readonly violations: Counter<'type'>;
  /** change: opened (a new rule:subject:window), published (raised on stock.alerts), resolved (its window ended). */
  readonly alerts: Counter<'change'>;
  readonly batchSeconds: Histogram;
  readonly rules: Gauge;
  /** result: ok, failed. */
  readonly ruleLoads: Counter<'result'>;

  constructor(registry: Registry, pool?: Pick<Pool, 'query'>) {
    const registers = [registry];
    this.orders = new Counter({
      name: 'stocksync_diversion_orders_total',
      help: 'Order notices (order.placed, one per SKU) the diversion engine read, by result: evaluated, duplicate (a redelivered or repeated notice: nothing counted)',
      labelNames: ['result'],
      registers,
    });
    this.violations = new Counter({
      name: 'stocksync_diversion_violations_total',
      help: 'Orders that broke a 串货 rule, by rule type (price-floor, region, volume); one per rule broken, alerted or not',
      labelNames: ['type'],
      registers,
    });
    this.alerts = new Counter({
      name: 'stocksync_diversion_alerts_total',
      help: 'DIVERSION_SUSPECTED alerts, by change: opened (first violation of a rule:subject:window), published (raised on stock.alerts), resolved (its window ended)',
      labelNames: ['change'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'stocksync_diversion_batch_seconds',
      help: 'Time to evaluate one batch of order notices against the rules and commit it',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.rules = new Gauge({
      name: 'stocksync_diversion_rules',
      help: '串货 rules in force (the last read of diversion_rules)',
      registers,
    });
    this.ruleLoads = new Counter({
      name: 'stocksync_diversion_rule_loads_total',
      help: 'Reads of diversion_rules, by result (ok, failed: the rules of the last good read stay in force)',
      labelNames: ['result'],
      registers,
    });
    if (pool) {
      new Gauge({
        name: 'stocksync_diversion_alerts_unpublished',
        help: 'diversion_alerts rows not yet on stock.alerts (the broker was away); read on each scrape',
        registers,
        async collect() {
          const { rows } = await pool.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM diversion_alerts WHERE published_at IS NULL`,
          );
          this.set(Number(rows[0]?.n ?? 0));
        },
      });
    }
  }
}
