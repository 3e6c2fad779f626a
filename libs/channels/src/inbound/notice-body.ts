import { MAX_LINE_QUANTITY, MAX_ORDER_QUANTITY } from '@libs/inventory';
import { NoticeFormatError, type OrderNotice } from './order-notice';

/**
 * Reads a notice body as JSON without losing digits. Taobao's `tid` and WeChat's `order_id` are 64-bit and may
 * arrive as JSON numbers; `JSON.parse` would round two different 19-digit ids to one double, so two orders would
 * share a dedupe row and event ids (one of them never counted). Node has no reviver that sees the source text,
 * so every integer literal a double cannot hold exactly is rewritten into a JSON string of its digits first. An
 * id parser then reads the digits; a quantity parser refuses them as too large. Strings are skipped whole, so
 * digits inside a string value are never touched.
 */
export function readNoticeBody(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(quoteUnsafeIntegers(text));
  } catch {
    throw new NoticeFormatError('the body is not JSON', 'NOTICE.NOT_JSON');
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = endOfString(text, i);
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (!match) return text; // not JSON: JSON.parse reports it
      const literal = match[0];
      const integer = match[1] === undefined && match[2] === undefined;
      if (integer && !Number.isSafeInteger(Number(literal))) {
        out += text.slice(copied, i) + `"${literal}"`;
        copied = i + literal.length;
      }
      i += literal.length;
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Index just past the string that opens at `start` (or the end of the text if it never closes). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

/** The connector's limits on what one notice may ask for; at most the domain's own ceilings. */
export interface NoticeLimits {
  /** Most units for one SKU in one order (its lines summed: they travel as one message). */
  maxLineQuantity: number;
  /** Most units in one order, all SKUs summed. */
  maxOrderQuantity: number;
}

export const DEFAULT_NOTICE_LIMITS: NoticeLimits = { maxLineQuantity: 10_000, maxOrderQuantity: 10_000 };

export interface NoticeBoundsRefusal {
  reason: 'QUANTITY.OVER_LINE_LIMIT' | 'QUANTITY.OVER_ORDER_LIMIT';
  message: string;
}

/**
 * Checks a parsed notice against the connector's limits (each capped by the domain's MAX_LINE_QUANTITY and
 * MAX_ORDER_QUANTITY). A refusal is answered 400 with its reason: the order is bigger than this shop sells, and
 * emitting it would only have it rejected downstream after holding a broker round trip.
 */
export function checkNoticeBounds(
  notice: OrderNotice,
  limits: NoticeLimits,
): NoticeBoundsRefusal | undefined {
  const maxLine = Math.min(limits.maxLineQuantity, MAX_LINE_QUANTITY);
  const maxOrder = Math.min(limits.maxOrderQuantity, MAX_ORDER_QUANTITY);
  const perSku = new Map<string, number>();
  let total = 0;
  for (const line of notice.lines) {
    perSku.set(line.sku, (perSku.get(line.sku) ?? 0) + line.quantity);
    total += line.quantity;
  }
  for (const [sku, quantity] of perSku) {
    if (quantity > maxLine)
      return {
        reason: 'QUANTITY.OVER_LINE_LIMIT',
        message: `${quantity} units of ${sku} in one order; at most ${maxLine}`,
      };
  }
  if (total > maxOrder)
    return {
      reason: 'QUANTITY.OVER_ORDER_LIMIT',
      message: `${total} units in one order; at most ${maxOrder}`,
    };
  return undefined;
}
