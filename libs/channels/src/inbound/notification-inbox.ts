import type { ChannelEventsTopic, OutgoingMessage } from '@libs/messaging';
import { observeStage } from '@libs/observability';
import { isTransientError } from '@libs/resilience';
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

/** One (platform, order id, status, SKU) row of channel_notifications. */
interface RowKey {
  channel: string;
  orderId: string;
  status: string;
  sku: string;
}

/** A row this inbox holds the claim on, with the events to publish for it. */
interface HeldRow extends RowKey {
  events: ChannelEvent[];
}

/** A notice waiting for its group to be recorded. */
interface Waiting {
  notice: OrderNotice;
  bySku: Map<string, ChannelEvent[]>;
  publish: PublishEvents;
  receivedAtMs?: number;
  resolve(result: InboxResult): void;
  reject(err: unknown): void;
}

/** Notices recorded in one statement at most; more wait for the next group. */
const MAX_GROUP = 500;

const keyOf = (k: RowKey) => JSON.stringify([k.channel, k.orderId, k.status, k.sku]);

/**
 * Dedupe of (platform, order id, status, SKU) in channel_notifications, with the publish outside any
 * transaction, in group commits:
 *
 * 1. the notices that arrived while the previous group was being recorded are recorded together, in one
 *    statement: one row per SKU (state `pending`, claimed by this inbox for `claimMs`, with the events to publish),
 *    taking over pending rows of the same notices whose claim has lapsed;
 * 2. their events are published in one publish, with no transaction open, so a slow broker holds back neither the
 *    event-store reader (it reads below the oldest open transaction) nor the pool; the next group is recorded
 *    meanwhile;
 * 3. the rows are marked `emitted`, and each webhook gets its answer.
 *
 * A webhook is answered only once its notice is durable (and, unless it is a duplicate, published). A copy that
 * arrives while another request holds the rows answers `duplicate`. A failed publish releases the claims, so the
 * platform's redelivery publishes again; a crash after step 1 leaves pending rows that `relayPending` publishes
 * once the claim has run out. Publishing twice is harmless: each event has an id derived from the fact, which the
 * inventory service uses as its command id. One notice the database or the broker refuses (not an outage) is
 * recorded or published on its own, so it never fails the others of its group.
 */
export class NotificationInbox {
  private readonly waiting: Waiting[] = [];
  private recording = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: NotificationInboxOptions = { claimMs: 30_000 },
  ) {}

  /** `receivedAtMs`: when the webhook arrived, the start of a payment's inbox stage. */
  accept(
    notice: OrderNotice,
    events: ChannelEvent[],
    publish: PublishEvents,
    receivedAtMs?: number,
  ): Promise<InboxResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ notice, bySku: groupBySku(events), publish, receivedAtMs, resolve, reject });
      if (!this.recording) void this.recordWaiting();
    });
  }

  /** Records the waiting notices group after group; each group's publish runs while the next is recorded. */
  private async recordWaiting(): Promise<void> {
    this.recording = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, MAX_GROUP);
        let held: Map<Waiting, HeldRow[]>;
        try {
          held = await this.record(group);
        } catch (err) {
          if (group.length > 1 && !isTransientError(err)) {
            // Not an outage: one notice the database refuses. Each is recorded alone and gets its own answer.
            await this.recordEachAlone(group);
          } else for (const w of group) w.reject(err);
          continue;
        }
        void this.publishGroup(group, held);
      }
    } finally {
      this.recording = false;
    }
  }

  private async recordEachAlone(group: Waiting[]): Promise<void> {
    for (const w of group) {
      try {
        void this.publishGroup([w], await this.record([w]));
      } catch (err) {
        w.reject(err);
      }
    }
  }

  /** One statement: inserts the group's rows and takes over lapsed claims on its existing pending rows. */
  private async record(group: Waiting[]): Promise<Map<Waiting, HeldRow[]>> {
    // The first notice of the group to name a row asks for it; a copy in the same group is a duplicate.
    const askedBy = new Map<string, { waiting: Waiting; row: HeldRow }>();
    for (const w of group) {
      const { channel, orderId, status } = w.notice;
      for (const [sku, events] of w.bySku) {
        const row = { channel, orderId, status, sku, events };
        if (!askedBy.has(keyOf(row))) askedBy.set(keyOf(row), { waiting: w, row });
      }
    }
    const rows = [...askedBy.values()].map(({ row }) => ({
      channel: row.channel,
      order_id: row.orderId,
      status: row.status,
      sku: row.sku,
      events: row.events,
    }));
    const { rows: got } = await this.pool.query<{
      channel: string;
      order_id: string;
      status: string;
      sku: string;
      recorded: ChannelEvent[] | null;
      retaken: boolean;
    }>(
      `WITH asked AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(channel text, order_id text, status text, sku text, events jsonb)
       ), inserted AS (
         INSERT INTO channel_notifications (channel, order_id, status, sku, events, state, claimed_until)
         SELECT r.channel, r.order_id, r.status, r.sku, r.events, 'pending', now() + $2 * interval '1 millisecond'
           FROM asked r
          -- A row from before per-SKU dedupe stands for the whole notice.
          WHERE NOT EXISTS (SELECT 1 FROM channel_notifications l
                             WHERE l.channel = r.channel AND l.order_id = r.order_id AND l.status = r.status
                               AND l.sku = '*')
         ON CONFLICT DO NOTHING
         RETURNING channel, order_id, status, sku
       ), retaken AS (
         -- Sees the table as before this statement: never a row inserted just above.
         UPDATE channel_notifications n
            SET claimed_until = now() + $2 * interval '1 millisecond', attempts = n.attempts + 1
           FROM asked r
          WHERE n.channel = r.channel AND n.order_id = r.order_id AND n.status = r.status AND n.sku = r.sku
            AND n.state = 'pending' AND (n.claimed_until IS NULL OR n.claimed_until < now())
         RETURNING n.channel, n.order_id, n.status, n.sku, n.events
       )
       SELECT channel, order_id, status, sku, NULL::jsonb AS recorded, false AS retaken FROM inserted
       UNION ALL
       SELECT channel, order_id, status, sku, events, true FROM retaken`,
      [JSON.stringify(rows), this.options.claimMs],
    );
    const held = new Map<Waiting, HeldRow[]>(group.map((w) => [w, []]));
    for (const r of got) {
      const asked = askedBy.get(
        keyOf({ channel: r.channel, orderId: r.order_id, status: r.status, sku: r.sku }),
      );
      if (!asked) continue;
      // A row taken over publishes what was recorded first (its receipt time), not this copy's translation.
      const events = r.retaken && r.recorded ? r.recorded : asked.row.events;
      held.get(asked.waiting)!.push({ ...asked.row, events });
    }
    return held;
  }

  /** Publishes a recorded group in one publish per publisher, marks its rows emitted and answers every webhook. */
  private async publishGroup(group: Waiting[], held: Map<Waiting, HeldRow[]>): Promise<void> {
    const recordedAt = Date.now();
    const publishing: Waiting[] = [];
    for (const w of group) {
      if (held.get(w)!.length === 0) w.resolve('duplicate');
      else publishing.push(w);
    }
    const byPublisher = new Map<PublishEvents, Waiting[]>();
    for (const w of publishing) byPublisher.set(w.publish, [...(byPublisher.get(w.publish) ?? []), w]);
    await Promise.all(
      [...byPublisher].map(([publish, waiting]) => this.publishTogether(publish, waiting, held, recordedAt)),
    );
  }

  private async publishTogether(
    publish: PublishEvents,
    waiting: Waiting[],
    held: Map<Waiting, HeldRow[]>,
    recordedAt: number,
  ): Promise<void> {
    const rows = waiting.flatMap((w) => held.get(w)!);
    try {
      await this.publishHeld(rows, publish);
    } catch (err) {
      if (waiting.length > 1 && (err as { code?: string }).code === 'MESSAGING.INVALID_MESSAGE') {
        // One notice the bus refuses must not fail the others: each is published on its own.
        await Promise.all(waiting.map((w) => this.publishTogether(publish, [w], held, recordedAt)));
        return;
      }
      for (const w of waiting) w.reject(err);
      return;
    }
    for (const w of waiting) {
      if (w.notice.status === 'paid' && w.receivedAtMs !== undefined) {
        observeStage(this.options.stages, 'inbox', w.receivedAtMs, recordedAt);
        observeStage(this.options.stages, 'publish', recordedAt);
      }
      w.resolve('emitted');
    }
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
    const byNotice = new Map<string, HeldRow[]>();
    for (const row of claimed.rows) {
      const key = JSON.stringify([row.order_id, row.status]);
      byNotice.set(key, [
        ...(byNotice.get(key) ?? []),
        { channel, orderId: row.order_id, status: row.status, sku: row.sku, events: row.events ?? [] },
      ]);
    }
    let published = 0;
    for (const rows of byNotice.values()) {
      await this.publishHeld(rows, publish);
      published += rows.length;
    }
    return published;
  }

  /** Publishes the rows' events, then marks them emitted; a failed publish releases their claims at once. */
  private async publishHeld(rows: HeldRow[], publish: PublishEvents): Promise<void> {
    const events = rows.flatMap((r) => r.events);
    try {
      if (events.length > 0) await publish(events);
    } catch (err) {
      // Let the platform's redelivery (or the relay) take the rows at once rather than after the claim.
      await this.updateRows(rows, 'claimed_until = NULL').catch(() => undefined);
      throw err;
    }
    await this.updateRows(rows, "state = 'emitted', emitted_at = now(), claimed_until = NULL, events = NULL");
  }

  private updateRows(rows: RowKey[], set: string): Promise<unknown> {
    return this.pool.query(
      `UPDATE channel_notifications n SET ${set}
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(channel, order_id, status, sku)
        WHERE n.channel = k.channel AND n.order_id = k.order_id AND n.status = k.status AND n.sku = k.sku
          AND n.state = 'pending'`,
      [
        rows.map((r) => r.channel),
        rows.map((r) => r.orderId),
        rows.map((r) => r.status),
        rows.map((r) => r.sku),
      ],
    );
  }
}

function groupBySku(events: ChannelEvent[]): Map<string, ChannelEvent[]> {
  const bySku = new Map<string, ChannelEvent[]>();
  for (const e of events) bySku.set(SKU_OF(e), [...(bySku.get(SKU_OF(e)) ?? []), e]);
  return bySku;
}
