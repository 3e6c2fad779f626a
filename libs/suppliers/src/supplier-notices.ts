import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequest } from '@libs/channels';
import { MAX_NOTICES_PER_BATCH, MAX_ORDER_QUANTITY, type StockNotice, type SupplierOrder } from './contract';
import {
  type OrderExpectation,
  parseStockNoticeBatch,
  parseWireOrder,
  SupplierFormatError,
} from './validation';

/*
 * What a supplier posts to us: stock/price change notices (`{notices: [...]}`) and, for an order it answered
 * `pending`, the final order at the order's callbackUrl. Both are signed with the supplier's secret exactly like
 * our webhooks (libs/channels webhook-signature: method, path with query, timestamp, SHA-256 of the raw body;
 * ±60 s; constant-time compare; several secrets while one is rotated). Checked in the order of the webhook
 * receiver: size, signature, then the body; nothing is read from a body whose signature failed.
 */

/** A request as it arrived, with the raw bytes (the signature is over them, so no body parser may run first). */
export interface SupplierInboundRequest {
  method: string;
  /** Path and query as on the request line. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface SupplierInboundOptions {
  /** The supplier's secrets (more than one while rotating). Empty: every request is refused. */
  secrets: readonly string[];
  nowMs?: number;
  windowSeconds?: number;
  /** Most bytes of body (defaults: notices 512 KiB, callbacks enough for the largest order). */
  maxBodyBytes?: number;
}

/** Why an inbound post was refused: the HTTP status to answer, a contract code, a stable reason. */
export interface InboundRefusal {
  ok: false;
  status: 400 | 401 | 413;
  code: 'SUPPLIER.BAD_SIGNATURE' | 'SUPPLIER.INVALID_REQUEST';
  /** `WEBHOOK.STALE_TIMESTAMP`, `WEBHOOK.BAD_SIGNATURE`, `BODY.TOO_LARGE`, `BODY.NOT_JSON`, `NOTICE.MALFORMED`, … */
  reason: string;
  /** Names the field at fault, never a value. */
  message: string;
}

export type NoticeCheck = { ok: true; notices: StockNotice[] } | InboundRefusal;
export type CallbackCheck = { ok: true; order: SupplierOrder } | InboundRefusal;

export const DEFAULT_NOTICE_MAX_BODY_BYTES = 512 * 1024;
export const DEFAULT_CALLBACK_MAX_BODY_BYTES = 64 * 1024 + MAX_ORDER_QUANTITY * 16 * 1024;

/** A signed notice batch: verified, then every notice validated (stock ≥ 0 or null, prices in whole fen). */
export function verifySupplierNotice(
  request: SupplierInboundRequest,
  options: SupplierInboundOptions,
): NoticeCheck {
  const refused = verifySigned(request, options, options.maxBodyBytes ?? DEFAULT_NOTICE_MAX_BODY_BYTES);
  if (refused) return refused;
  const body = readBody(request.rawBody);
  if (body === NOT_JSON) return invalid('BODY.NOT_JSON', 'the body is not JSON');
  try {
    return { ok: true, notices: parseStockNoticeBatch(body) };
  } catch (err) {
    return invalid('NOTICE.MALFORMED', messageOf(err, `a batch of 1 to ${MAX_NOTICES_PER_BATCH} notices`));
  }
}

/**
 * A signed order callback: the final order (`fulfilled` or `refused`), validated like an order answer; `expect`
 * (what we ordered, when the receiver knows it already) tightens the checks.
 */
export function verifyOrderCallback(
  request: SupplierInboundRequest,
  options: SupplierInboundOptions & { expect?: OrderExpectation },
): CallbackCheck {
  const refused = verifySigned(request, options, options.maxBodyBytes ?? DEFAULT_CALLBACK_MAX_BODY_BYTES);
  if (refused) return refused;
  const body = readBody(request.rawBody);
  if (body === NOT_JSON) return invalid('BODY.NOT_JSON', 'the body is not JSON');
  let order: SupplierOrder;
  try {
    order = parseWireOrder(body, options.expect);
  } catch (err) {
    return invalid('CALLBACK.MALFORMED', messageOf(err, 'an order'));
  }
  if (order.status === 'pending') return invalid('CALLBACK.NOT_FINAL', 'status must be fulfilled or refused');
  return { ok: true, order };
}

function verifySigned(
  request: SupplierInboundRequest,
  options: SupplierInboundOptions,
  maxBodyBytes: number,
): InboundRefusal | undefined {
  if (request.rawBody.length > maxBodyBytes)
    return {
      ok: false,
      status: 413,
      code: 'SUPPLIER.INVALID_REQUEST',
      reason: 'BODY.TOO_LARGE',
      message: `the body is over ${maxBodyBytes} bytes`,
    };
  if (options.secrets.length === 0)
    return {
      ok: false,
      status: 401,
      code: 'SUPPLIER.BAD_SIGNATURE',
      reason: 'WEBHOOK.NOT_CONFIGURED',
      message: 'no secret is configured for this supplier',
    };
  const check = verifyRequest(
    options.secrets,
    {
      method: request.method,
      path: request.path,
      body: request.rawBody,
      timestampHeader: header(request.headers, TIMESTAMP_HEADER),
      signatureHeader: header(request.headers, SIGNATURE_HEADER),
    },
    options.nowMs,
    options.windowSeconds,
  );
  if (check.ok) return undefined;
  return {
    ok: false,
    status: 401,
    code: 'SUPPLIER.BAD_SIGNATURE',
    reason: check.code,
    message: 'signature verification failed',
  };
}

function invalid(reason: string, message: string): InboundRefusal {
  return { ok: false, status: 400, code: 'SUPPLIER.INVALID_REQUEST', reason, message };
}

function messageOf(err: unknown, what: string): string {
  return err instanceof SupplierFormatError ? err.message : `the body is not ${what}`;
}

const NOT_JSON = Symbol('not JSON');

function readBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}

function header(headers: SupplierInboundRequest['headers'], name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
