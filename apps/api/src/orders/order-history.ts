import type { RecordedEvent } from '@libs/event-store';
import type { InventoryEvent, TopUpTarget } from '@libs/inventory';

/** One thing that happened to an order, as the SKU's stream recorded it. */
export interface OrderStep {
  /**
   * placed-and-reserved, rejected, paid, delivered, cancelled, cancelled-before-placement, expired, redeemed,
   * refunded, redelivery-requested, key-replaced, keys-allocated-by-hand, refused
   */
  step: string;
  sku: string;
  /** The decision's business time (the deciding command's `now`). */
  at: string;
  /** Who asked: the connector for channel notices, the operator's API key name for operations. */
  actor: string | null;
  version: number;
  eventId: string;
  detail: Record<string, unknown>;
}

interface OrderRef {
  channel: string;
  channelOrderId: string;
}

/**
 * An order's steps from its SKUs' stream events (those EventStore.readStreamEventsByKey finds by its order id), in
 * time order. Pure: the events of other orders sharing the id on another channel are left out here.
 */
export function orderSteps(order: OrderRef, sku: string, recorded: readonly RecordedEvent[]): OrderStep[] {
  const steps: OrderStep[] = [];
  for (const r of recorded) {
    const event = { type: r.type, data: r.data } as InventoryEvent;
    for (const { step, detail, at } of stepsOf(event, order)) {
      const data = r.data as { actor?: unknown; at?: unknown };
      const when = typeof at === 'number' ? at : typeof data.at === 'number' ? data.at : null;
      steps.push({
        step,
        sku,
        at: (when === null ? r.occurredAt : new Date(when)).toISOString(),
        actor: typeof data.actor === 'string' ? data.actor : null,
        version: r.version,
        eventId: r.eventId,
        detail,
      });
    }
  }
  return steps;
}

/**
 * Several SKUs' steps of one order, and the steps of its after-sales tickets, in one time line (ties by SKU, then
 * stream order; a ticket step after the inventory's steps of the same instant).
 */
export function mergeSteps<T extends { at: string } = OrderStep>(
  perSku: readonly OrderStep[][],
  others: readonly T[] = [],
): (OrderStep | T)[] {
  const inventory = perSku
    .flat()
    .sort((a, b) => a.at.localeCompare(b.at) || a.sku.localeCompare(b.sku) || a.version - b.version);
  return [...inventory, ...others].sort((a, b) => a.at.localeCompare(b.at));
}

function stepsOf(
  event: InventoryEvent,
  order: OrderRef,
): { step: string; detail: Record<string, unknown>; at?: number }[] {
  const mine = (d: { channel?: string | null; channelOrderId?: string | null }) =>
    d.channel === order.channel && d.channelOrderId === order.channelOrderId;
  switch (event.type) {
    case 'StockReserved':
      if (!mine(event.data)) return [];
      return [
        {
          step: 'placed-and-reserved',
          detail: {
            quantity: event.data.quantity,
            lines: event.data.lines,
            expiresAt: iso(event.data.expiresAt),
            ...(event.data.sale === undefined ? {} : { sale: event.data.sale }),
            ...(event.data.topUp === undefined ? {} : { topUp: maskedTopUp(event.data.topUp) }),
            // What the order rules decided (hold, priority, route), each with its rule and version.
            ...(event.data.ruling === undefined ? {} : { ruling: event.data.ruling }),
          },
        },
      ];
    case 'ReservationRejected':
      if (!mine(event.data)) return [];
      return [{ step: 'rejected', detail: rejectionDetail(event.data) }];
    case 'ReservationsRejected':
      return event.data.rejections
        .filter(mine)
        .map((r) => ({ step: 'rejected', detail: rejectionDetail(r), at: r.at }));
    case 'ReservationConfirmed':
      if (!mine(event.data)) return [];
      return [
        {
          step: 'paid',
          detail: {
            quantity: event.data.quantity,
            allocatedUnitIds: event.data.allocatedUnitIds,
            loopUnits: event.data.loopUnits ?? [],
            renewedAfterExpiry: event.data.renewedLines !== undefined,
          },
        },
      ];
    case 'DeliveryRecorded':
      return mine(event.data) ? [{ step: 'delivered', detail: { unitIds: event.data.unitIds } }] : [];
    case 'ReservationReleased':
      return mine(event.data)
        ? [{ step: 'cancelled', detail: { quantity: event.data.quantity, note: event.data.note } }]
        : [];
    case 'CancelledBeforePlacement':
      return mine(event.data)
        ? [{ step: 'cancelled-before-placement', detail: { note: event.data.note } }]
        : [];
    case 'ReservationExpired':
      return mine(event.data)
        ? [
            {
              step: 'expired',
              detail: { quantity: event.data.quantity, expiresAt: iso(event.data.expiresAt) },
            },
          ]
        : [];
    case 'CardKeyRedeemed':
      return mine(event.data) ? [{ step: 'redeemed', detail: { unitId: event.data.unitId } }] : [];
    case 'OrderRefunded': {
      if (!mine(event.data)) return [];
      const { returnedUnitIds, returnedQuantity, note } = event.data;
      return [{ step: 'refunded', detail: { returnedUnitIds, returnedQuantity, note } }];
    }
    case 'DeliveryRepeated': {
      if (!mine(event.data)) return [];
      const { unitIds, loopUnits, redelivery, note } = event.data;
      return [{ step: 'redelivery-requested', detail: { unitIds, loopUnits, redelivery, note } }];
    }
    case 'KeysAllocatedManually':
      return mine(event.data)
        ? [{ step: 'keys-allocated-by-hand', detail: { unitIds: event.data.unitIds } }]
        : [];
    case 'CardKeyReplaced': {
      if (!mine(event.data)) return [];
      const { unitId, replacementUnitId, note } = event.data;
      return [{ step: 'key-replaced', detail: { voidedUnitId: unitId, replacementUnitId, note } }];
    }
    case 'CommandRejected':
      // A notice the SKU could not act on (a payment for an order it never reserved, a cancel after payment).
      return mine(event.data)
        ? [{ step: 'refused', detail: { command: event.data.command, reason: event.data.reason } }]
        : [];
    // 一键代发: each attempt at a supplier, its answer, and what happened when none fulfilled it.
    case 'SupplierForwardStarted': {
      if (!mine(event.data)) return [];
      const { attempt, supplierId, productId, quantity, expectedUnitPrice } = event.data;
      return [{ step: 'forwarded', detail: { attempt, supplierId, productId, quantity, expectedUnitPrice } }];
    }
    case 'SupplierForwardFulfilled': {
      if (!mine(event.data)) return [];
      const { attempt, supplierId, supplierOrderId, units, receipt } = event.data;
      if (receipt !== undefined) {
        const completedAt =
          receipt.completedAt === undefined ? {} : { completedAt: iso(receipt.completedAt) };
        const detail = { attempt, supplierId, supplierOrderId, reference: receipt.reference, ...completedAt };
        return [{ step: 'topped-up', detail }];
      }
      const unitIds = units.map((unit) => unit.unitId);
      return [{ step: 'supplier-fulfilled', detail: { attempt, supplierId, supplierOrderId, unitIds } }];
    }
    case 'SupplierForwardFailed': {
      if (!mine(event.data)) return [];
      const { attempt, supplierId, reason, code } = event.data;
      return [{ step: 'supplier-failed', detail: { attempt, supplierId, reason, code } }];
    }
    case 'SupplierForwardingExhausted':
      return mine(event.data)
        ? [{ step: 'no-supplier-left', detail: { attempts: event.data.attempts } }]
        : [];
    case 'SupplierLateFulfilment': {
      if (!mine(event.data)) return [];
      const { attempt, supplierId, supplierOrderId, unitIds, receipt } = event.data;
      const reference = receipt === undefined ? {} : { reference: receipt.reference };
      return [
        {
          step: 'supplier-fulfilled-late',
          detail: { attempt, supplierId, supplierOrderId, unitIds, ...reference },
        },
      ];
    }
    default:
      return [];
  }
}

/** Why an order was refused; for ORDER_RULE_REFUSED, which rule (and version) and the rule's own code. */
function rejectionDetail(r: { reason: string; requested: number; rule?: object }) {
  return { reason: r.reason, requested: r.requested, ...(r.rule === undefined ? {} : { rule: r.rule }) };
}

/**
 * The account a top-up credits, shown with its last four characters only: enough to match a buyer's complaint,
 * not enough to read a phone number off the history.
 */
function maskedTopUp(topUp: TopUpTarget): TopUpTarget {
  const { account } = topUp;
  const shown = account.length <= 4 ? '' : account.slice(-4);
  return { ...topUp, account: `${'*'.repeat(Math.max(4, account.length - shown.length))}${shown}` };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
