import type { Pool } from 'pg';
import { orderKey } from '@libs/inventory';
import type { ObservedHistory } from './oracle';

/** What the collector reads from a simulated platform (libs/platform-simulators' SimulatedPlatform has it). */
export interface PlatformView {
  readonly name: string;
  readonly listings: ReadonlyMap<string, { quantity: number; listed: boolean }>;
  /** The platform's delivery log: one entry per (order, unit) handed to the buyer. */
  readonly deliveries: ReadonlyMap<string, { orderId: string; sku: string; unitId: string }>;
}

/** Cards the buyers received, per platform. */
export function deliveriesOf(platforms: readonly PlatformView[]): ObservedHistory['deliveries'] {
  return platforms.flatMap((p) =>
    [...p.deliveries.values()].map((d) => ({
      channel: p.name,
      orderId: d.orderId,
      orderKey: orderKey(p.name, d.orderId),
      unitId: d.unitId,
    })),
  );
}

/** What a platform shows a buyer for a SKU: its quantity while listed, nothing otherwise. */
export function listedQuantity(platform: PlatformView, sku: string): number | undefined {
  const l = platform.listings.get(sku);
  return l === undefined ? undefined : l.listed ? l.quantity : 0;
}

/** Each platform's final listing next to the channel policy applied to the truth (SKUs with a target only). */
export function listingsOf(
  platforms: readonly PlatformView[],
  targets: ReadonlyMap<string, Record<string, number>>,
): ObservedHistory['listings'] {
  const out: ObservedHistory['listings'] = [];
  for (const [sku, perChannel] of targets) {
    for (const p of platforms) {
      const expected = perChannel[p.name];
      if (expected === undefined) continue;
      out.push({ channel: p.name, sku, listed: listedQuantity(p, sku) ?? -1, expected });
    }
  }
  return out;
}

export interface LedgerRow {
  channel: string;
  orderId: string;
  unitId: string;
  sku: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
}

/** The connectors' delivery ledger (card_key_deliveries). */
export async function collectLedger(pool: Pool): Promise<LedgerRow[]> {
  const { rows } = await pool.query<{
    channel: string;
    order_id: string;
    unit_id: string;
    sku: string;
    state: LedgerRow['state'];
    attempts: number;
    last_error: string | null;
  }>(`SELECT channel, order_id, unit_id, sku, state, attempts, last_error FROM card_key_deliveries`);
  return rows.map((r) => ({
    channel: r.channel,
    orderId: r.order_id,
    unitId: r.unit_id,
    sku: r.sku,
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
  }));
}
