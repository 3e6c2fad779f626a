import { exceedsStockLimits, MAX_UNITS_PER_IMPORT_EVENT } from '../bounds';
import { ImportCardKeys, ReceiveStock } from '../inventory-commands';
import { CardKeysImported, ImportedUnit, SkippedUnit, StockReceived } from '../inventory-events';
import { InventoryState } from '../inventory-state';
import { mapHas } from '../persistent-map';
import { contextOf, isId, isPositiveCount, preconditionFailure, rejectCommand } from './decision-helpers';

export function decideReceiveStock(command: ReceiveStock, state: InventoryState) {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { batchId, quantity } = command.data;
  if (state.kind !== 'quantity') return rejectCommand(command, 'KIND_MISMATCH');
  if (!isId(batchId)) return rejectCommand(command, 'INVALID_REFERENCE');
  if (mapHas(state.batches, batchId)) return [];
  if (!isPositiveCount(quantity)) return rejectCommand(command, 'INVALID_QUANTITY');
  if (exceedsStockLimits(state, quantity)) return rejectCommand(command, 'STOCK_LIMIT_EXCEEDED');
  const received: StockReceived = {
    type: 'StockReceived',
    data: { batchId, quantity, ...contextOf(command) },
  };
  return [received];
}

/**
 * Adds every unit whose fingerprint and unit id are new, and reports the others in the same event, so a
 * thousand-key import never fails as a whole because of a few duplicates.
 */
export function decideImportCardKeys(command: ImportCardKeys, state: InventoryState) {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { batchId, units } = command.data;
  if (state.kind !== 'cardKey') return rejectCommand(command, 'KIND_MISMATCH');
  if (!isId(batchId)) return rejectCommand(command, 'INVALID_REFERENCE');
  if (mapHas(state.batches, batchId)) return [];
  if (!Array.isArray(units) || units.length === 0) return rejectCommand(command, 'INVALID_QUANTITY');

  const added: ImportedUnit[] = [];
  const skipped: SkippedUnit[] = [];
  const fingerprintsInBatch = new Set<string>();
  const unitIdsInBatch = new Set<string>();
  for (const unit of units) {
    const { unitId, fingerprint } = unit;
    if (!isId(unitId) || !isId(fingerprint)) {
      skipped.push({
        unitId: String(unitId ?? ''),
        fingerprint: String(fingerprint ?? ''),
        reason: 'INVALID_UNIT',
      });
    } else if (fingerprintsInBatch.has(fingerprint)) {
      skipped.push({ unitId, fingerprint, reason: 'DUPLICATE_IN_BATCH' });
    } else if (mapHas(state.fingerprints, fingerprint)) {
      skipped.push({ unitId, fingerprint, reason: 'ALREADY_IN_POOL' });
    } else if (unitIdsInBatch.has(unitId) || mapHas(state.units, unitId)) {
      skipped.push({ unitId, fingerprint, reason: 'UNIT_ID_TAKEN' });
    } else {
      fingerprintsInBatch.add(fingerprint);
      unitIdsInBatch.add(unitId);
      added.push({ unitId, fingerprint, loop: unit.loop === true });
    }
  }
  const counted = added.filter((unit) => !unit.loop).length;
  if (exceedsStockLimits(state, counted)) return rejectCommand(command, 'STOCK_LIMIT_EXCEEDED');
  return importParts(added, skipped).map(
    ({ units: partUnits, skipped: partSkipped }, i, parts): CardKeysImported => ({
      type: 'CardKeysImported',
      data: {
        batchId,
        units: partUnits,
        skipped: partSkipped,
        ...(parts.length > 1 ? { part: i + 1, parts: parts.length } : {}),
        ...contextOf(command),
      },
    }),
  );
}

/** Added units first, then the reported ones, cut into parts of at most MAX_UNITS_PER_IMPORT_EVENT entries. */
function importParts(
  added: readonly ImportedUnit[],
  skipped: readonly SkippedUnit[],
): { units: ImportedUnit[]; skipped: SkippedUnit[] }[] {
  const parts: { units: ImportedUnit[]; skipped: SkippedUnit[] }[] = [];
  const total = added.length + skipped.length;
  for (let from = 0; from < total || parts.length === 0; from += MAX_UNITS_PER_IMPORT_EVENT) {
    const to = Math.min(total, from + MAX_UNITS_PER_IMPORT_EVENT);
    parts.push({
      units: added.slice(Math.min(from, added.length), Math.min(to, added.length)),
      skipped: skipped.slice(Math.max(0, from - added.length), Math.max(0, to - added.length)),
    });
  }
  return parts;
}
