import type { RecordedEvent } from '@libs/event-store';

/** One event of a SKU's stream as every role may read it. */
export interface SkuEventItem {
  version: number;
  type: string;
  /** The decision's business time (the deciding command's `now`), else when the event was stored. */
  at: string;
  /** Who asked: the operator's API key name or the connector; null when the domain decided on its own. */
  actor: string | null;
  summary: Record<string, unknown>;
}

/**
 * Fields copied as they are when they hold a string, number, boolean or null: quantities, ids and codes. Anything
 * an event carries under another name is left out, so a field added to an event later (or a fingerprint, sealed
 * secret or ciphertext under any name) never reaches a reader until it is named here.
 */
const SCALARS = new Set([
  'kind',
  'lowStockThreshold',
  'perOrderCap',
  'deliveryMode',
  'batchId',
  'part',
  'parts',
  'channel',
  'channelOrderId',
  'quantity',
  'requested',
  'reason',
  'awaitingKeys',
  'returnedQuantity',
  'endlessReturned',
  'releasedHeld',
  'redelivery',
  'note',
  'adjustmentId',
  'delta',
  'unitId',
  'replacementUnitId',
  'previousStatus',
  'loop',
  'poolId',
  'returned',
  'onHand',
  'threshold',
  'closed',
  'command',
  'ref',
]);

/** Epoch-millisecond fields, answered as ISO 8601. */
const TIMES = new Set(['expiresAt', 'before']);

/**
 * Lists answered by their length only: imported and skipped units carry fingerprints, and a batch's unit or
 * rejection lists can hold thousands of entries.
 */
const COUNTS: Record<string, string> = {
  units: 'importedCount',
  skipped: 'skippedCount',
  unitIds: 'unitCount',
  allocatedUnitIds: 'allocatedUnitCount',
  returnedUnitIds: 'returnedUnitCount',
  loopUnits: 'loopKeyCount',
  lines: 'lineCount',
  rejections: 'rejectedCount',
  orders: 'orderCount',
};

/** A channel policy's numbers (ChannelPolicySet). */
const POLICY_FIELDS = ['bufferQuantity', 'sharePercent', 'maxListed', 'endWhenAtOrBelow', 'unlimitedListed'];

type Scalar = string | number | boolean | null;

/** An epoch-millisecond time as ISO 8601; null when it is not one a Date can hold. */
function isoOf(value: unknown): string | null {
  if (typeof value !== 'number') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** The whitelisted, non-secret part of an inventory event's data (see SCALARS, TIMES, COUNTS). */
export function eventSummary(data: unknown): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return summary;
  for (const [field, value] of Object.entries(data as Record<string, unknown>)) {
    if (SCALARS.has(field)) {
      if (isScalar(value)) summary[field] = value;
    } else if (TIMES.has(field)) {
      const time = isoOf(value);
      if (time !== null) summary[field] = time;
    } else if (field in COUNTS) {
      if (Array.isArray(value)) summary[COUNTS[field]] = value.length;
    } else if (field === 'loopUnitIds') {
      // The shape stored before loop allocations were counted: one entry per unit handed out, ids repeating.
      if (Array.isArray(value) && !('loopKeyCount' in summary)) summary.loopKeyCount = new Set(value).size;
    } else if (field === 'policy') {
      if (value !== null && typeof value === 'object') {
        const policy: Record<string, Scalar> = {};
        for (const name of POLICY_FIELDS) {
          const v = (value as Record<string, unknown>)[name];
          if (typeof v === 'number' || v === null) policy[name] = v;
        }
        summary.policy = policy;
      }
    }
  }
  return summary;
}

/** A recorded event of a SKU stream as the events route answers it. */
export function skuEventItem(r: RecordedEvent): SkuEventItem {
  const data = (r.data ?? {}) as { at?: unknown; actor?: unknown };
  return {
    version: r.version,
    type: r.type,
    at: isoOf(data.at) ?? r.occurredAt.toISOString(),
    actor: typeof data.actor === 'string' ? data.actor : null,
    summary: eventSummary(r.data),
  };
}
