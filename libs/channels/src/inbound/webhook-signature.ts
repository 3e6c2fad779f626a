import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Signed webhooks (ours, for the in-house shop and 分站, and what the simulators send): HMAC-SHA256 over the
 * method, the path, the timestamp and the SHA-256 digest of the raw body. Signing the digest rather than the
 * body keeps the canonical string small; signing method and path stops a signature being replayed on another
 * endpoint; the timestamp window (±60 s) bounds how long a captured request stays usable.
 */

export const SIGNATURE_HEADER = 'x-stocksync-signature';
export const TIMESTAMP_HEADER = 'x-stocksync-timestamp';
export const SIGNATURE_SCHEME = 'v1';
export const DEFAULT_WINDOW_SECONDS = 60;

export interface SignedRequestParts {
  method: string;
  /** Path with query string as sent on the request line. */
  path: string;
  /** Unix time in seconds, as sent in the timestamp header. */
  timestamp: string;
  body: Buffer | string;
}

export type SignatureFailure =
  | 'WEBHOOK.MISSING_SIGNATURE'
  | 'WEBHOOK.MALFORMED_SIGNATURE'
  | 'WEBHOOK.STALE_TIMESTAMP'
  | 'WEBHOOK.BAD_SIGNATURE';

export type SignatureCheck = { ok: true } | { ok: false; code: SignatureFailure };

export function canonicalString(parts: SignedRequestParts): string {
  const digest = createHash('sha256').update(parts.body).digest('hex');
  return `${parts.method.toUpperCase()}\n${parts.path}\n${parts.timestamp}\n${digest}`;
}

/** The signature header value, `v1=<hex>`. */
export function signRequest(secret: string, parts: SignedRequestParts): string {
  const mac = createHmac('sha256', secret).update(canonicalString(parts)).digest('hex');
  return `${SIGNATURE_SCHEME}=${mac}`;
}

/** Headers a sender adds: timestamp and signature for the given body. */
export function signedHeaders(
  secret: string,
  method: string,
  path: string,
  body: Buffer | string,
  nowMs = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: signRequest(secret, { method, path, timestamp, body }),
  };
}

export interface VerifyInput {
  method: string;
  path: string;
  body: Buffer | string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
}

/**
 * Checks presence, the time window, then the MAC in constant time. Every secret in `secrets` is tried so a
 * secret can be rotated without refusing the senders still on the old one.
 */
export function verifyRequest(
  secrets: readonly string[],
  input: VerifyInput,
  nowMs = Date.now(),
  windowSeconds = DEFAULT_WINDOW_SECONDS,
): SignatureCheck {
  const { timestampHeader, signatureHeader } = input;
  if (!timestampHeader || !signatureHeader) return { ok: false, code: 'WEBHOOK.MISSING_SIGNATURE' };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, code: 'WEBHOOK.MALFORMED_SIGNATURE' };
  const match = /^v1=([0-9a-f]{64})$/.exec(signatureHeader.trim());
  if (!match) return { ok: false, code: 'WEBHOOK.MALFORMED_SIGNATURE' };
  if (Math.abs(nowMs / 1000 - Number(timestampHeader)) > windowSeconds) {
    return { ok: false, code: 'WEBHOOK.STALE_TIMESTAMP' };
  }
  const given = Buffer.from(match[1], 'hex');
  const canonical = canonicalString({ ...input, timestamp: timestampHeader });
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(canonical).digest();
    // Evaluate every secret (no early exit) so timing does not reveal which one matched.
    if (timingSafeEqual(expected, given)) valid = true;
  }
  return valid ? { ok: true } : { ok: false, code: 'WEBHOOK.BAD_SIGNATURE' };
}
