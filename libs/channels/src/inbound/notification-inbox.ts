import { withTransaction } from '@libs/database';
import type { ChannelEventsTopic, OutgoingMessage } from '@libs/messaging';
import { observeStage } from '@libs/observability';
import type { Pool } from 'pg';
import type { Histogram } from 'prom-client';
import type { OrderNotice } from './order-notice';

export type InboxResult = 'emitted' | 'duplicate';

type ChannelEvent = OutgoingMessage<typeof ChannelEventsTopic>;
export type PublishEvents = (events: ChannelEvent[]) => Promise<unknown>;

export interface NotificationInboxOptions {
  /**
   * How long the request that recorded a notice has to publish it before the relay may publish it instead (and
   * how old a pending row must be before the relay looks at it).
   */
  claimMs: number;
  /** stocksync_fulfilment_stage_seconds: payment notices time their inbox and publish stages here. */
  stages?: Histogram<'stage'>;
}

const SKU_OF = (e: ChannelEvent) => (e.payload as { sku: string }).sku;

/**
 * Dedupe of (platform, order id, status, SKU) in channel_notifications, with the publish outside any
 * transaction:
 *
 * 1. a short transaction records one row per SKU (state `pending`, claimed by this request for `claimMs`, with
 *    the events to publish) and takes over pending rows of the same notice whose claim has lapsed;
 * 2. the events of the rows this request holds are published, with no transaction open, so a slow broker holds
 *    back neither the event-store reader (it reads below the oldest open transaction) nor the pool;
 * 3. the rows are marked `emitted`.
 *
 * A copy that arrives while another request holds the rows answers `duplicate`. A failed publish releases the
 * claim, so the platform's redelivery publishes again; a crash after step 1 leaves a pending row that
 * `relayPending` publishes once the claim has run out. Publishing twice is harmless: each event has an id derived
 * from the fact, which the inventory service uses as its command id.
 */
export class NotificationInbox {
  constructor(
    private readonly pool: Pool,
    private readonly options: NotificationInboxOptions = { claimMs: 30_000 },
  ) {}

  /** `receivedAtMs`: when the webhook arrived, the start of a payment's inbox stage. */
  async accept(
    notice: OrderNotice,
    events: ChannelEvent[],
    publish: PublishEvents,
    receivedAtMs?: number,
  ): Promise<InboxResult> {
    const bySku = groupBySku(events);
    const rows = [...bySku].map(([sku, skuEvents]) => ({ sku, events: skuEvents }));
    const { channel, orderId, status } = notice;
    const held = await withTransaction(this.pool, async (client) => {
      const inserted = await client.query<{ sku: string }>(
        `INSERT INTO channel_notifications (channel, order_id, status, sku, events, state, claimed_until)
         SELECT $1, $2, $3, r.sku, r.events, 'pending', now() + $5 * interval '1 millisecond'
           FROM jsonb_to_recordset($4::jsonb) AS r(sku text, events jsonb)
          -- A row from before per-SKU dedupe stands for the whole notice.
          WHERE NOT EXISTS (SELECT 1 FROM channel_notifications l
                             WHERE l.channel = $1 AND l.order_id = $2 AND l.status = $3 AND l.sku = '*')
         ON CONFLICT DO NOTHING
         RETURNING sku`,
        [channel, orderId, status, JSON.stringify(rows), this.options.claimMs],
      );
      const retaken = await client.query<{ sku: string; events: ChannelEvent[] | null }>(
        `UPDATE channel_notifications
            SET claimed_until = now() + $5 * interval '1 millisecond', attempts = attempts + 1
          WHERE channel = $1 AND order_id = $2 AND status = $3 AND sku = ANY($4::text[])
            AND state = 'pending' AND (claimed_until IS NULL OR claimed_until < now())
         RETURNING sku, events`,
        [channel, orderId, status, [...bySku.keys()], this.options.claimMs],
      );
      // A row taken over publishes what was recorded first (its receipt time), not this copy's translation.
      return [
        ...inserted.rows.map((r) => ({ sku: r.sku, events: bySku.get(r.sku) ?? [] })),
        ...retaken.rows.map((r) => ({ sku: r.sku, events: r.events ?? bySku.get(r.sku) ?? [] })),
      ];
    });
    if (held.length === 0) return 'duplicate';
    const timed = status === 'paid' && receivedAtMs !== undefined ? this.options.stages : undefined;
    const recordedAt = Date.now();
    observeStage(timed, 'inbox', receivedAtMs ?? NaN, recordedAt);
    const skus = held.map((h) => h.sku);
    await this.publishHeld(
      channel,
      orderId,
      status,
      skus,
      held.flatMap((h) => h.events),
      publish,
      () => observeStage(timed, 'publish', recordedAt),
    );
    return 'emitted';
  }

  /**
   * Publishes notices recorded at least `olderThanMs` ago that are still pending and unclaimed (their request
   * failed or its process died). Returns how many rows were published. Each batch is claimed in one statement
   * and published with no transaction open.
   */
  async relayPending(
    channel: string,
    publish: PublishEvents,
    olderThanMs = this.options.claimMs,
    limit = 100,
  ): Promise<number> {
    const claimed = await this.pool.query<{
      order_id: string;
      status: string;
      sku: string;
      events: ChannelEvent[];
    }>(
      `UPDATE channel_notifications n
          SET claimed_until = now() + $3 * interval '1 millisecond', attempts = n.attempts + 1
        WHERE (n.channel, n.order_id, n.status, n.sku) IN (
              SELECT channel, order_id, status, sku FROM channel_notifications
               WHERE channel = $1 AND state = 'pending'
                 AND (claimed_until IS NULL OR claimed_until < now())
                 AND received_at <= now() - $2 * interval '1 millisecond'
               ORDER BY received_at
               LIMIT $4
               FOR UPDATE SKIP LOCKED)
       RETURNING n.order_id, n.status, n.sku, n.events`,
      [channel, olderThanMs, this.options.claimMs, limit],
    );
    const byNotice = new Map<
      string,
      { orderId: string; status: string; skus: string[]; events: ChannelEvent[] }
    >();
    for (const row of claimed.rows) {
      const key = JSON.stringify([row.order_id, row.status]);
      const entry = byNotice.get(key) ?? { orderId: row.order_id, status: row.status, skus: [], events: [] };
      entry.skus.push(row.sku);
      entry.events.push(...(row.events ?? []));
      byNotice.set(key, entry);
    }
    let published = 0;
    for (const n of byNotice.values()) {
      await this.publishHeld(channel, n.orderId, n.status, n.skus, n.events, publish);
      published += n.skus.length;
    }
    return published;
  }

  private async publishHeld(
    channel: string,
    orderId: string,
    status: string,
    skus: string[],
    events: ChannelEvent[],
    publish: PublishEvents,
    onPublished?: () => void,
  ): Promise<void> {
    try {
      if (events.length > 0) await publish(events);
      onPublished?.();
    } catch (err) {
      // Let the platform's redelivery (or the relay) take the rows at once rather than after the claim.
      await this.pool
        .query(
          `UPDATE channel_notifications SET claimed_until = NULL
            WHERE channel = $1 AND order_id = $2 AND status = $3 AND sku = ANY($4::text[]) AND state = 'pending'`,
          [channel, orderId, status, skus],
        )
        .catch(() => undefined);
      throw err;
    }
    await this.pool.query(
      `UPDATE channel_notifications SET state = 'emitted', emitted_at = now(), claimed_until = NULL, events = NULL
        WHERE channel = $1 AND order_id = $2 AND status = $3 AND sku = ANY($4::text[]) AND state = 'pending'`,
      [channel, orderId, status, skus],
    );
  }
}

function groupBySku(events: ChannelEvent[]): Map<string, ChannelEvent[]> {
  const bySku = new Map<string, ChannelEvent[]>();
  for (const e of events) bySku.set(SKU_OF(e), [...(bySku.get(SKU_OF(e)) ?? []), e]);
  return bySku;
}
