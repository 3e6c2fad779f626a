import type { RecordedEvent } from '@libs/event-store';
import {
  channelPrice,
  channelTargets,
  inventoryDecider,
  supplyOf,
  stockLevels,
  type InventoryState,
  type StockLevels,
} from '@libs/inventory';
import { eventRowChanges, type AlertSignal } from './event-row-changes';
import { decodeInventoryEvent, eventTime } from './inventory-event';
import { EventProjectionError, messageOf, QuarantineReasons } from './projection-failure';
import type { ProjectedSku } from './projected-sku';
import {
  keepFirstSet,
  type CardKeyCountDelta,
  type ProjectionStateRow,
  type ReservationRow,
  type SkuStockRow,
  type SkuSuppliersRow,
  type StockAlertRow,
  type StockMovementRow,
  type TargetOutboxRow,
} from './read-model-rows';

/** The stream skipped a version: projecting on would fold the wrong state, so the SKU stops there. */
export class ProjectionGapError extends EventProjectionError {
  constructor(
    readonly sku: string,
    readonly projectedVersion: number,
    event: RecordedEvent,
  ) {
    super(
      event,
      QuarantineReasons.VERSION_GAP,
      `event version ${event.version} follows projected version ${projectedVersion}`,
    );
    this.name = 'ProjectionGapError';
  }
}

export interface SkuBatchFold {
  end: ProjectedSku;
  /** Events evolved into the state. */
  applied: number;
  /** At or below the projected version: projected before (a redelivery or a replay). */
  alreadyApplied: number;
  skuStock: SkuStockRow | null;
  reservations: ReservationRow[];
  movements: StockMovementRow[];
  cardKeyCounts: CardKeyCountDelta[];
  alert: StockAlertRow | null;
  state: ProjectionStateRow | null;
  targets: TargetOutboxRow[];
  /** Present when the batch changed the SKU's suppliers or what they reported. */
  suppliers: SkuSuppliersRow | null;
}

/** The events that change a SKU's supplier rows (sku_suppliers). */
const SUPPLY_EVENTS: ReadonlySet<string> = new Set([
  'SupplyConfigured',
  'SupplierStockObserved',
  'SupplierForwardFulfilled',
]);

export interface FoldOptions {
  /** Keep the state at multiples of this version (see isStateSavePoint); later events are replayed on load. */
  stateSaveEvery: number;
}

/**
 * Whether the state at `version` is stored. A pure function of the version, so batch boundaries never matter and
 * a rebuild stores the same states. The state grows with the stream (every order is remembered), so saving it
 * at a fixed interval would cost a hot SKU ever more per event; the interval doubles each time the stream
 * reaches 16 intervals, which keeps the cost per event bounded and the events to replay on load under 1/8 of
 * the stream.
 */
export function isStateSavePoint(version: number, every: number): boolean {
  if (every <= 0 || version <= 0) return false;
  let step = every;
  while (version >= step * 16) step *= 2;
  return version % step === 0;
}

/**
 * Folds one SKU's events of a delivered batch (in version order) onto its projected state, and works out every
 * row change. Pure. Events at or below the projected version are skipped: that is what makes a redelivery or
 * a second replay leave the rows as they are. An event that cannot be folded (unknown type, unreadable data, a
 * version gap, evolve throwing) throws EventProjectionError naming it; folding the events before it succeeds.
 */
export function foldSkuBatch(
  start: ProjectedSku,
  events: readonly RecordedEvent[],
  options: FoldOptions,
): SkuBatchFold {
  const { sku } = start;
  let state = start.state;
  let levels: StockLevels = stockLevels(state);
  let version = start.version;
  let savedVersion = start.savedVersion;
  let saved: ProjectionStateRow['saved'] = null;
  let lastAt: Date | null = null;
  let applied = 0;
  let alreadyApplied = 0;
  const reservations = new Map<string, ReservationRow>();
  const movements: StockMovementRow[] = [];
  const cardKeyCounts = new Map<string, CardKeyCountDelta>();
  let alert: StockAlertRow | null = null;
  const policiesSet = new Set<string>();
  let supplyChanged = false;

  for (const recorded of events) {
    if (recorded.version <= version) {
      alreadyApplied += 1;
      continue;
    }
    if (recorded.version !== version + 1) throw new ProjectionGapError(sku, version, recorded);
    const event = decodeInventoryEvent(recorded);
    const at = eventTime(event, recorded);
    let nextState: InventoryState;
    let nextLevels: StockLevels;
    let changes: ReturnType<typeof eventRowChanges>;
    try {
      nextState = inventoryDecider.evolve(state, event);
      nextLevels = stockLevels(nextState);
      changes = eventRowChanges(
        event,
        {
          sku,
          eventId: recorded.eventId,
          version: recorded.version,
          globalPosition: recorded.globalPosition,
          at,
        },
        { state, levels },
        { state: nextState, levels: nextLevels },
      );
    } catch (error) {
      // The fold is pure: what throws here throws again on every attempt.
      throw new EventProjectionError(recorded, QuarantineReasons.FOLD_FAILED, messageOf(error), {
        cause: error,
      });
    }
    version = recorded.version;
    lastAt = at;
    if (changes.movement) movements.push(changes.movement);
    for (const row of changes.reservations) mergeReservation(reservations, row);
    for (const delta of changes.cardKeyCounts) mergeCount(cardKeyCounts, delta);
    if (changes.alert) alert = nextAlert(sku, alert, changes.alert);
    if (event.type === 'ChannelPolicySet') policiesSet.add(event.data.channel);
    if (SUPPLY_EVENTS.has(event.type)) supplyChanged = true;
    state = nextState;
    levels = nextLevels;
    applied += 1;
    if (isStateSavePoint(version, options.stateSaveEvery)) {
      saved = { version, state };
      savedVersion = version;
    }
  }

  const end: ProjectedSku = { sku, version, state, savedVersion };
  const moved = version > start.version && lastAt !== null;
  return {
    end,
    applied,
    alreadyApplied,
    skuStock: moved ? skuStockRow(sku, state, levels, version, lastAt!) : null,
    reservations: [...reservations.values()],
    movements,
    cardKeyCounts: [...cardKeyCounts.values()].filter((d) => d.delta !== 0),
    alert,
    state: moved ? { sku, version, saved } : null,
    targets: moved ? changedTargets(sku, start.state, state, policiesSet, version, lastAt!) : [],
    suppliers: supplyChanged ? suppliersRow(sku, state, version) : null,
  };
}

function suppliersRow(sku: string, state: InventoryState, version: number): SkuSuppliersRow {
  return {
    sku,
    version,
    suppliers: supplyOf(state).suppliers.map((link, priority) => ({
      supplierId: link.supplierId,
      productId: link.productId,
      priority,
      stock: link.stock,
      onSale: link.onSale,
      supplyPrice: link.supplyPrice,
      observedAt: link.observedAt === null ? null : new Date(link.observedAt),
      takenSinceReport: link.takenSinceReport,
    })),
  };
}

function skuStockRow(
  sku: string,
  state: InventoryState,
  levels: StockLevels,
  version: number,
  at: Date,
): SkuStockRow | null {
  // Commands for a SKU nobody registered leave rejections in its stream, but there is no stock to show.
  if (levels.kind === null) return null;
  return {
    sku,
    kind: levels.kind,
    received: levels.received,
    adjusted: levels.adjusted,
    delivered: levels.delivered,
    onHand: levels.onHand,
    reserved: levels.reserved,
    heldInPools: levels.heldInPools,
    available: levels.available,
    endless: levels.endless,
    endlessReserved: levels.endlessReserved,
    endlessDelivered: levels.endlessDelivered,
    lowStockThreshold: state.lowStockThreshold,
    perOrderCap: state.perOrderCap,
    version,
    updatedAt: at,
  };
}

/**
 * Channels whose listed quantity differs from before the batch, plus channels whose policy was set (a new
 * policy is announced even when it lists the same number). Every row carries the full-set quantity at the
 * SKU's version after the batch: intermediate values within a batch are never worth pushing.
 */
function changedTargets(
  sku: string,
  before: InventoryState,
  after: InventoryState,
  policiesSet: ReadonlySet<string>,
  version: number,
  at: Date,
): TargetOutboxRow[] {
  const was = channelTargets(before);
  const now = channelTargets(after);
  // A price moves with its cost (a supplier's report) or its rule: a changed price is announced like a changed
  // quantity, both in one target.
  return Object.entries(now).flatMap(([channel, quantity]) => {
    const price = channelPrice(after, channel);
    const changed =
      was[channel] !== quantity || policiesSet.has(channel) || channelPrice(before, channel) !== price;
    return changed ? [{ channel, sku, quantity, price, version, occurredAt: at }] : [];
  });
}

function mergeReservation(rows: Map<string, ReservationRow>, row: ReservationRow): void {
  const key = `${row.channel.length}:${row.channel}:${row.channelOrderId}`;
  const earlier = rows.get(key);
  rows.set(key, earlier ? { ...keepFirstSet(earlier, row), createdAt: earlier.createdAt } : row);
}

function mergeCount(counts: Map<string, CardKeyCountDelta>, delta: CardKeyCountDelta): void {
  const key = `${delta.batchId.length}:${delta.batchId}:${delta.state}`;
  const entry = counts.get(key);
  counts.set(key, entry ? { ...entry, delta: entry.delta + delta.delta } : { ...delta });
}

function nextAlert(sku: string, current: StockAlertRow | null, signal: AlertSignal): StockAlertRow {
  if (signal.kind === 'raised') {
    return {
      sku,
      kind: 'low_stock',
      threshold: signal.threshold,
      onHand: signal.onHand,
      raisedAt: signal.at,
      clearedAt: null,
      open: true,
    };
  }
  return {
    sku,
    kind: 'low_stock',
    threshold: signal.threshold,
    onHand: signal.onHand,
    raisedAt: current?.raisedAt ?? null,
    clearedAt: signal.at,
    open: false,
  };
}
