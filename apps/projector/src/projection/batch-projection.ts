import type { RecordedEvent } from '@libs/event-store';
import type { ProjectedSku } from './projected-sku';
import type {
  CardKeyCountDelta,
  ProjectionStateRow,
  ReservationRow,
  SkuStockRow,
  SkuSuppliersRow,
  StockAlertRow,
  StockMovementRow,
  TargetOutboxRow,
} from './read-model-rows';
import { foldSkuBatch, type FoldOptions } from './sku-batch-fold';
import { skuFromStreamId } from './sku-stream';

/** Every row change of one delivered batch, table by table: written in one transaction. */
export interface ReadModelChanges {
  skuStock: SkuStockRow[];
  reservations: ReservationRow[];
  movements: StockMovementRow[];
  cardKeyCounts: CardKeyCountDelta[];
  alerts: StockAlertRow[];
  states: ProjectionStateRow[];
  targets: TargetOutboxRow[];
  suppliers: SkuSuppliersRow[];
}

export interface BatchProjection {
  changes: ReadModelChanges;
  /** Each touched SKU as it stands after the batch. */
  ends: ProjectedSku[];
  counts: { applied: number; alreadyApplied: number; otherStreams: number };
}

/** A batch's inventory events by SKU, in the order delivered (each stream's events come in version order). */
export function eventsBySku(events: readonly RecordedEvent[]): {
  bySku: Map<string, RecordedEvent[]>;
  otherStreams: number;
} {
  const bySku = new Map<string, RecordedEvent[]>();
  let otherStreams = 0;
  for (const event of events) {
    const sku = skuFromStreamId(event.streamId);
    if (sku === null) {
      otherStreams += 1;
      continue;
    }
    const list = bySku.get(sku);
    if (list) list.push(event);
    else bySku.set(sku, [event]);
  }
  return { bySku, otherStreams };
}

/** Pure: folds every SKU of the batch from its projected state. */
export function projectBatch(
  bySku: ReadonlyMap<string, readonly RecordedEvent[]>,
  projected: ReadonlyMap<string, ProjectedSku>,
  options: FoldOptions,
  otherStreams = 0,
): BatchProjection {
  const changes: ReadModelChanges = {
    skuStock: [],
    reservations: [],
    movements: [],
    cardKeyCounts: [],
    alerts: [],
    states: [],
    targets: [],
    suppliers: [],
  };
  const ends: ProjectedSku[] = [];
  const counts = { applied: 0, alreadyApplied: 0, otherStreams };
  for (const [sku, events] of bySku) {
    const start = projected.get(sku);
    if (start === undefined) throw new Error(`SKU ${sku} was not loaded before projecting`);
    const fold = foldSkuBatch(start, events, options);
    ends.push(fold.end);
    counts.applied += fold.applied;
    counts.alreadyApplied += fold.alreadyApplied;
    if (fold.skuStock) changes.skuStock.push(fold.skuStock);
    changes.reservations.push(...fold.reservations);
    changes.movements.push(...fold.movements);
    changes.cardKeyCounts.push(...fold.cardKeyCounts);
    if (fold.alert) changes.alerts.push(fold.alert);
    if (fold.state) changes.states.push(fold.state);
    changes.targets.push(...fold.targets);
    if (fold.suppliers) changes.suppliers.push(fold.suppliers);
  }
  return { changes, ends, counts };
}
