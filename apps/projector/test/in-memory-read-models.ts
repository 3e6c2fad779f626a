import type { ReadModelChanges } from '../src/projection/batch-projection';
import { keepFirstSet } from '../src/projection/read-model-rows';
import type {
  ProjectionStateRow,
  ReservationRow,
  SkuStockRow,
  StockAlertRow,
  StockMovementRow,
  TargetOutboxRow,
} from '../src/projection/read-model-rows';

/**
 * The tables as plain maps, changed with the same rules as the SQL writer (version-guarded upserts, created_at
 * kept, counts added, movements written once), so the pure fold can be checked for any batch split without a
 * database. The integration tests check the SQL itself.
 */
export class InMemoryReadModels {
  readonly skuStock = new Map<string, SkuStockRow>();
  readonly reservations = new Map<string, ReservationRow>();
  readonly movements = new Map<string, StockMovementRow>();
  readonly cardKeyCounts = new Map<string, number>();
  readonly alerts = new Map<string, StockAlertRow>();
  readonly states = new Map<string, { version: number; stateVersion: number; state: unknown }>();
  readonly outbox: TargetOutboxRow[] = [];

  apply(changes: ReadModelChanges): void {
    for (const row of changes.skuStock) {
      const old = this.skuStock.get(row.sku);
      if (!old || old.version < row.version) this.skuStock.set(row.sku, row);
    }
    for (const row of changes.reservations) {
      const key = `${row.channel}|${row.channelOrderId}|${row.sku}`;
      const old = this.reservations.get(key);
      if (!old) this.reservations.set(key, row);
      else if (old.updatedVersion < row.updatedVersion)
        this.reservations.set(key, { ...keepFirstSet(old, row), createdAt: old.createdAt });
    }
    for (const row of changes.movements) {
      const key = `${row.sku}|${row.version}`;
      if (!this.movements.has(key)) this.movements.set(key, row);
    }
    for (const d of changes.cardKeyCounts) {
      const key = `${d.sku}|${d.batchId}|${d.state}`;
      const count = (this.cardKeyCounts.get(key) ?? 0) + d.delta;
      if (count === 0) this.cardKeyCounts.delete(key);
      else this.cardKeyCounts.set(key, count);
    }
    for (const row of changes.alerts) {
      const old = this.alerts.get(row.sku);
      this.alerts.set(row.sku, { ...row, raisedAt: row.raisedAt ?? old?.raisedAt ?? row.clearedAt });
    }
    for (const row of changes.states) this.applyState(row);
    this.outbox.push(...changes.targets);
  }

  /** The last target written per channel and SKU: what the connectors end up with. */
  latestTargets(): Map<string, TargetOutboxRow> {
    const latest = new Map<string, TargetOutboxRow>();
    for (const row of this.outbox) latest.set(`${row.channel}|${row.sku}`, row);
    return latest;
  }

  snapshot(): unknown {
    const sorted = <T>(m: Map<string, T>) =>
      [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      skuStock: sorted(this.skuStock),
      reservations: sorted(this.reservations),
      movements: sorted(this.movements),
      cardKeyCounts: sorted(this.cardKeyCounts),
      alerts: sorted(this.alerts),
      states: sorted(this.states),
    };
  }

  private applyState(row: ProjectionStateRow): void {
    const old = this.states.get(row.sku);
    if (old && old.version >= row.version) return;
    this.states.set(row.sku, {
      version: row.version,
      stateVersion: row.saved ? row.saved.version : (old?.stateVersion ?? 0),
      state: row.saved ? JSON.parse(JSON.stringify(row.saved.state)) : (old?.state ?? null),
    });
  }
}
