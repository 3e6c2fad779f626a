import { createHmac } from 'node:crypto';

/*
 * The signatures each receiver expects. Pure functions of (secret, time, body), so the unit tests hold them to
 * fixed vectors.
 */

/** Header names of the generic webhook (documented in docs/reference/configuration.md and the runbook). */
export const WEBHOOK_HEADERS = {
  timestamp: 'x-stocksync-timestamp',
  signature: 'x-stocksync-signature',
  delivery: 'x-stocksync-delivery',
} as const;

/**
 * Generic webhook: `sha256=` + lowercase hex HMAC-SHA256 over `<unix seconds>.<raw body>`, keyed with the secret.
 * A receiver recomputes it over the bytes it got and refuses a timestamp far from its clock (a replay).
 */
export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
}

/**
 * DingTalk robot with 加签: HMAC-SHA256 keyed with the secret over `<timestamp ms>\n<secret>`, base64; sent as the
 * `timestamp` and `sign` query parameters (URL-encoded). DingTalk refuses a timestamp more than an hour off.
 */
export function dingTalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/**
 * Feishu/Lark bot with signature verification: HMAC-SHA256 keyed with `<timestamp s>\n<secret>` over an empty
 * message, base64; sent as `timestamp` (a string of seconds) and `sign` in the JSON body.
 */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}
