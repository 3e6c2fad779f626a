import type { Queryable } from '@libs/database';
import { sleep } from '@libs/resilience';
import type { ChannelPusher } from '../outbound/channel-pusher';
import type { StockTarget } from '../outbound/stock-target';

/** The most SKUs one correction request may carry, and the longest it may wait for the platform's answers. */
export const MAX_CORRECTIONS = 1_000;
export const MAX_CORRECTION_WAIT_MS = 60_000;
const POLL_MS = 100;

export type CorrectionResult =
  | { sku: string; skuVersion: number; result: 'acknowledged' | 'queued' | 'stale' }
  | { sku: string; skuVersion: number; result: 'refused'; code: string };

export type CorrectionRequest =
  { ok: true; targets: StockTarget[]; waitMs: number } | { ok: false; message: string };

/** Checks a `POST /corrections` body: `{ targets: [{ sku, quantity, skuVersion }], waitMs? }`. */
export function parseCorrections(body: unknown, now = Date.now()): CorrectionRequest {
  const b = body as { targets?: unknown; waitMs?: unknown } | undefined;
  if (!b || !Array.isArray(b.targets) || b.targets.length === 0 || b.targets.length > MAX_CORRECTIONS)
    return { ok: false, message: `targets must be an array of 1 to ${MAX_CORRECTIONS} entries` };
  const waitMs = b.waitMs === undefined ? 0 : b.waitMs;
  if (!Number.isSafeInteger(waitMs) || (waitMs as number) < 0 || (waitMs as number) > MAX_CORRECTION_WAIT_MS)
    return { ok: false, message: `waitMs must be an integer from 0 to ${MAX_CORRECTION_WAIT_MS}` };
  const targets: StockTarget[] = [];
  for (const raw of b.targets as unknown[]) {
    const t = raw as { sku?: unknown; quantity?: unknown; skuVersion?: unknown };
    if (typeof t?.sku !== 'string' || t.sku.length === 0 || t.sku.length > 128)
      return { ok: false, message: 'each target needs a sku (1 to 128 characters)' };
    if (!Number.isSafeInteger(t.quantity) || (t.quantity as number) < 0)
      return { ok: false, message: `target ${t.sku}: quantity must be a whole number >= 0` };
    if (!Number.isSafeInteger(t.skuVersion) || (t.skuVersion as number) < 1)
      return { ok: false, message: `target ${t.sku}: skuVersion must be a whole number >= 1` };
    targets.push({
      sku: t.sku,
      quantity: t.quantity as number,
      skuVersion: t.skuVersion as number,
      publishedAt: now,
    });
  }
  return { ok: true, targets, waitMs: waitMs as number };
}

/**
 * Queues the corrections on the connector's own push path, then (up to `waitMs`) watches channel_push_state for
 * the platform's answer to each: acknowledged or refused after the request began. What is still pending at the
 * end is reported `queued`; the pusher keeps retrying it like any target.
 */
export async function applyCorrections(
  pusher: ChannelPusher,
  db: Queryable,
  targets: StockTarget[],
  waitMs: number,
): Promise<CorrectionResult[]> {
  const { rows } = await db.query<{ t: Date }>('SELECT clock_timestamp() AS t');
  const since = rows[0].t;
  const results: CorrectionResult[] = await pusher.correct(targets).then((rs) =>
    rs.map(
      (r) =>
        ({
          sku: r.sku,
          skuVersion: r.skuVersion,
          result: r.result === 'stale' ? 'stale' : 'queued',
        }) as CorrectionResult,
    ),
  );
  const deadline = Date.now() + waitMs;
  for (;;) {
    const waiting = results.filter((r) => r.result === 'queued');
    if (waiting.length === 0 || Date.now() >= deadline) return results;
    const { rows: state } = await db.query<{
      sku: string;
      acked: string | null;
      acked_now: boolean;
      error_now: boolean;
      code: string | null;
    }>(
      `SELECT sku, last_acked_version AS acked, coalesce(last_acked_at >= $3, false) AS acked_now,
              coalesce(last_error_at >= $3, false) AS error_now, last_error_code AS code
         FROM channel_push_state WHERE channel = $1 AND sku = ANY($2)`,
      [pusher.channel, waiting.map((r) => r.sku), since],
    );
    const bySku = new Map(state.map((s) => [s.sku, s]));
    for (const r of waiting) {
      const s = bySku.get(r.sku);
      if (s?.acked_now && Number(s.acked) >= r.skuVersion) Object.assign(r, { result: 'acknowledged' });
      else if (s?.error_now && s.code) Object.assign(r, { result: 'refused', code: s.code });
    }
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}
