import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const created = new WeakMap<Registry, SupplierMetrics>();

/** What the supplier connector reports; labels are the supplier id (configuration, so bounded) and fixed values. */
export class SupplierMetrics {
  readonly forwards: Counter<'supplier' | 'outcome'>;
  readonly unknownAnswers: Counter<'supplier' | 'cause'>;
  readonly calls: Histogram<'supplier' | 'call'>;
  readonly observations: Counter<'supplier' | 'source'>;
  readonly polls: Counter<'supplier' | 'result'>;
  readonly inbound: Counter<'supplier' | 'kind' | 'result'>;
  readonly openForwards: Gauge;

  static for(registry: Registry): SupplierMetrics {
    let metrics = created.get(registry);
    if (!metrics) {
      metrics = new SupplierMetrics(registry);
      created.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.forwards = new Counter({
      name: 'stocksync_supplier_forwards_total',
      help: 'Forwarding attempts answered to the inventory, by supplier and outcome (fulfilled, refused, timeout, late_fulfilled).',
      labelNames: ['supplier', 'outcome'],
      registers,
    });
    this.unknownAnswers = new Counter({
      name: 'stocksync_supplier_unknown_answers_total',
      help: 'Supplier order calls that settled nothing (timeout, network, 5xx, unreadable answer), by supplier and cause.',
      labelNames: ['supplier', 'cause'],
      registers,
    });
    this.calls = new Histogram({
      name: 'stocksync_supplier_call_seconds',
      help: 'Supplier order calls (place_order, get_order), by supplier.',
      labelNames: ['supplier', 'call'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.observations = new Counter({
      name: 'stocksync_supplier_observations_total',
      help: 'Supplier stock reports sent to SKUs, by supplier and source (poll, notice).',
      labelNames: ['supplier', 'source'],
      registers,
    });
    this.polls = new Counter({
      name: 'stocksync_supplier_catalogue_polls_total',
      help: 'Catalogue polls of a supplier, by result (ok, failed).',
      labelNames: ['supplier', 'result'],
      registers,
    });
    this.inbound = new Counter({
      name: 'stocksync_supplier_inbound_total',
      help: 'Posts from suppliers (notice, callback), by result (accepted, refused).',
      labelNames: ['supplier', 'kind', 'result'],
      registers,
    });
    this.openForwards = new Gauge({
      name: 'stocksync_supplier_open_forwards',
      help: 'Forwarding attempts waiting for a definite answer.',
      registers,
    });
  }
}
