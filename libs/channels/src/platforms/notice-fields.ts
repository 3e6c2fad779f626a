import { MAX_LINE_QUANTITY } from '@libs/inventory';
import { describeIdentifierProblem, normaliseIdentifier } from '@libs/messaging';
import { NoticeFormatError, type OrderStatus } from '../inbound/order-notice';

/** Small readers for notification bodies: each failure names the field, which the 400 answer carries. */
export function obj(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new NoticeFormatError(`${field} must be an object`);
  return value as Record<string, unknown>;
}

/**
 * An order id or a SKU, under the identifier rule shared with the API and the topic schemas (NFKC, no control,
 * format or whitespace characters, at most 128 characters). Platforms that send numeric ids (Taobao `tid`,
 * WeChat `order_id`) get them as digits: `readNoticeBody` keeps a number a double cannot hold as its digit
 * string, and a number that reaches this point unsafe (already rounded by a plain JSON.parse) is refused.
 */
export function str(value: unknown, field: string): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new NoticeFormatError(
        `${field} must be an identifier: a number that is not a whole number below 2^53 would lose digits`,
        'IDENTIFIER.UNSAFE_NUMBER',
      );
    return String(value);
  }
  const result = normaliseIdentifier(value);
  if (!result.ok)
    throw new NoticeFormatError(
      `${field} must be an identifier: ${describeIdentifierProblem(value)}`,
      result.reason,
    );
  return result.value;
}

const DIGITS = /^[0-9]{1,16}$/;

/**
 * A line quantity: a whole number from 1 to the domain's ceiling (MAX_LINE_QUANTITY), as a JSON number or a
 * string of digits. `Number.isInteger` alone would take 1e300 or 3e9, which the stock columns cannot hold.
 * The connector's own, lower limits per line and per order are applied after parsing (`checkNoticeBounds`).
 */
export function positiveInt(value: unknown, field: string): number {
  const n = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw new NoticeFormatError(`${field} must be a positive whole number`, 'QUANTITY.INVALID');
  if (n > MAX_LINE_QUANTITY)
    throw new NoticeFormatError(`${field} must be at most ${MAX_LINE_QUANTITY}`, 'QUANTITY.TOO_LARGE');
  return n;
}

export function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100)
    throw new NoticeFormatError(`${field} must be a list of 1 to 100 entries`);
  return value;
}

export function optionalTime(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)) || !/[zZ]|[+-]\d\d:?\d\d$/.test(value)) {
    throw new NoticeFormatError(`${field} must be an ISO 8601 time with an offset`);
  }
  return new Date(value).toISOString();
}

/**
 * The order status a platform's event or status name stands for; undefined for a name that is not a stock fact
 * (acknowledged and ignored). A Map, not an object literal: `constructor` or `__proto__` would otherwise find
 * Object.prototype's members, which are not statuses. Such a name is refused as malformed (400) so that it is
 * neither emitted nor retried.
 */
export function statusNamed(
  statuses: ReadonlyMap<string, OrderStatus>,
  name: string,
  field: string,
): OrderStatus | undefined {
  if (Object.prototype.hasOwnProperty.call(Object.prototype, name) || name === '__proto__')
    throw new NoticeFormatError(`${field} must be an event or status name`, 'NOTICE.UNKNOWN_NAME');
  return statuses.get(name);
}
