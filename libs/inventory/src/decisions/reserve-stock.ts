import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_ORDER_QUANTITY } from '../bounds';
import { isCancelledBeforePlacement } from '../early-cancellations';
import { OrderLineInput, ReserveStock } from '../inventory-commands';
import { InventoryEvent, ReservationRejected, StockReserved } from '../inventory-events';
import { InventoryState, ReservedLine } from '../inventory-state';
import { orderKey } from '../order-key';
import { own } from '../own';
import { mapHas } from '../persistent-map';
import { ReasonCode } from '../reason-codes';
import { orderRuling, OrderRuling, RuleRef } from '../order-rules';
import { saleObservationOf, TopUpTarget, topUpTargetOf } from '../sale';
import { fulfilmentOf, MAX_PRICE_MINOR } from '../supply';
import { generalAvailable, isEndless, poolFree } from '../stock-levels';
import { contextOf, isId, isInstant, isPositiveCount, rejectCommand } from './decision-helpers';

/**
 * All or nothing per order. The first answer for a (channel, order id) is final: a repeat emits
 * nothing, and an order once rejected stays rejected even if stock arrives later — a platform retries a
 * failed purchase under a new order id, so accepting the old id later would only sell to a buyer who
 * has already been told no.
 *
 * Time never refuses a well-formed order: a placement whose pay deadline has already passed is reserved all
 * the same (it may be the placement a late payment notice carries, and the payment must find it) and is left
 * to the next expiry sweep. A placement whose cancel came first is refused with ORDER_CANCELLED.
 */
export function decideReserveStock(command: ReserveStock, state: InventoryState): InventoryEvent[] {
  const { channel, channelOrderId } = command.data;
  if (!isId(channel) || !isId(channelOrderId)) return rejectCommand(command, 'INVALID_REFERENCE');
  if (mapHas(state.orders, orderKey(channel, channelOrderId))) return [];
  if (state.kind !== null && isCancelledBeforePlacement(state.earlyCancellations, channel, channelOrderId)) {
    return [rejection(command, 'ORDER_CANCELLED')];
  }
  const ruling = rulingOf(command, state);
  if (ruling?.refuse !== undefined) return [rejection(command, 'ORDER_RULE_REFUSED', ruling.refuse)];
  const planned = plan(command, state);
  if (typeof planned === 'string') return [rejection(command, planned)];
  const sale = saleObservationOf(command.data.sale);
  const quantity = planned.reduce((sum, line) => sum + line.quantity, 0);
  // The account is kept only where a supplier needs it: personal data a card-key order has no use for is dropped.
  let topUp: TopUpTarget | undefined;
  if (isTopUpSku(state)) {
    const target = topUpTargetOf(command.data.topUp);
    if (target === undefined) return [rejection(command, 'TOP_UP_ACCOUNT_REQUIRED')];
    // The amount credited is what the buyer bought: the SKU's face value, which the supplier checks against its own.
    const faceValue = state.pricing?.faceValue ?? null;
    if (faceValue === null || quantity * faceValue > MAX_PRICE_MINOR)
      return [rejection(command, 'FACE_VALUE_UNKNOWN')];
    topUp = { ...target, amount: quantity * faceValue };
  }
  const reserved: StockReserved = {
    type: 'StockReserved',
    data: {
      channel,
      channelOrderId,
      lines: planned,
      quantity,
      expiresAt: command.data.expiresAt,
      ...(sale === undefined ? {} : { sale }),
      ...(topUp === undefined ? {} : { topUp }),
      ...(ruling === undefined ? {} : { ruling }),
      ...contextOf(command),
    },
  };
  return [reserved];
}

/**
 * The order rules' ruling on this placement, or undefined when none applies. Only a well-formed order is ruled on
 * (its quantity is what the rules compare); one that is not is refused for that reason by the plan.
 */
function rulingOf(command: ReserveStock, state: InventoryState): OrderRuling | undefined {
  const { orderRules, lines, channel } = command.data;
  if (orderRules === undefined || state.kind === null || !Array.isArray(lines)) return undefined;
  if (!lines.every((line) => isPositiveCount(line?.quantity))) return undefined;
  const quantity = lines.reduce((sum, line) => sum + line.quantity, 0);
  const sale = saleObservationOf(command.data.sale);
  return orderRuling(orderRules, {
    sku: command.data.sku,
    kind: state.kind,
    channel,
    quantity,
    ...(sale === undefined ? {} : { sale }),
  });
}

function isTopUpSku(state: InventoryState): boolean {
  return state.kind === 'supplier' && fulfilmentOf(state) === 'topUp';
}

function plan(command: ReserveStock, state: InventoryState): ReservedLine[] | ReasonCode {
  const { now, expiresAt, lines } = command.data;
  if (state.kind === null) return 'UNKNOWN_SKU';
  if (!isInstant(now) || !isInstant(expiresAt)) return 'INVALID_TIME';
  return planLines(lines, state);
}

/**
 * Where each line's units come from, or why the order cannot be served now. Also used when a payment renews
 * a hold that lapsed before it arrived.
 */
export function planLines(
  lines: readonly OrderLineInput[],
  state: InventoryState,
): ReservedLine[] | ReasonCode {
  if (state.kind === null) return 'UNKNOWN_SKU';
  if (!Array.isArray(lines) || lines.length === 0) return 'INVALID_QUANTITY';
  if (lines.length > MAX_ORDER_LINES) return 'INVALID_QUANTITY';
  if (!lines.every((line) => isPositiveCount(line.quantity))) return 'INVALID_QUANTITY';
  // Before any stock is looked at: an unlimited SKU or a loop key would otherwise accept any size.
  if (lines.some((line) => line.quantity > MAX_LINE_QUANTITY)) return 'QUANTITY_TOO_LARGE';
  if (!lines.every((line) => line.poolId === undefined || line.poolId === null || isId(line.poolId))) {
    return 'INVALID_REFERENCE';
  }
  const total = lines.reduce((sum, line) => sum + line.quantity, 0);
  if (total > MAX_ORDER_QUANTITY) return 'QUANTITY_TOO_LARGE';
  if (state.perOrderCap !== null && total > state.perOrderCap) return 'OVER_ORDER_CAP';

  const perPool = new Map<string, number>();
  for (const line of lines) {
    if (isId(line.poolId)) perPool.set(line.poolId, (perPool.get(line.poolId) ?? 0) + line.quantity);
  }
  for (const [poolId, quantity] of perPool) {
    const pool = own(state.pools, poolId);
    if (pool === undefined) return 'POOL_NOT_FOUND';
    if (pool.status === 'closed') return 'POOL_CLOSED';
    if (pool.perOrderCap !== null && quantity > pool.perOrderCap) return 'OVER_ORDER_CAP';
    if (quantity > poolFree(pool)) return 'INSUFFICIENT_POOL_STOCK';
  }

  if (state.kind === 'unlimited') {
    return lines.map((line) => ({ quantity: line.quantity, poolId: null, endless: line.quantity }));
  }
  if (state.kind === 'supplier') {
    // Held as in flight (endless reserved: we hold no units), within what the suppliers reported.
    if (!isEndless(state) && total > generalAvailable(state)) return 'INSUFFICIENT_STOCK';
    return lines.map((line) => ({ quantity: line.quantity, poolId: null, endless: line.quantity }));
  }
  // Counted stock first; loop keys only cover what counted stock cannot, and never a pool's part.
  let countedLeft = generalAvailable(state);
  const endless = isEndless(state);
  const planned: ReservedLine[] = [];
  for (const line of lines) {
    if (isId(line.poolId)) {
      planned.push({ quantity: line.quantity, poolId: line.poolId, endless: 0 });
      continue;
    }
    const fromStock = Math.min(line.quantity, Math.max(0, countedLeft));
    if (fromStock < line.quantity && !endless) return 'INSUFFICIENT_STOCK';
    countedLeft -= fromStock;
    planned.push({ quantity: line.quantity, poolId: null, endless: line.quantity - fromStock });
  }
  return planned;
}

function rejection(
  command: ReserveStock,
  reason: ReasonCode,
  rule?: RuleRef & { code: string },
): ReservationRejected {
  const { channel, channelOrderId, lines } = command.data;
  // Saturating: what was asked for may be absurd, the record of it stays a safe integer.
  const requested = Array.isArray(lines)
    ? lines.reduce(
        (sum, line) =>
          Math.min(Number.MAX_SAFE_INTEGER, sum + (isPositiveCount(line.quantity) ? line.quantity : 0)),
        0,
      )
    : 0;
  return {
    type: 'ReservationRejected',
    data: {
      channel,
      channelOrderId,
      reason,
      requested,
      ...(rule === undefined ? {} : { rule }),
      ...contextOf(command),
    },
  };
}
