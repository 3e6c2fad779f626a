import { uuidV5 } from '@libs/command-handling';
import { WakeSignal } from '@libs/event-store';
import {
  ChannelTargetsTopic,
  encodeMessage,
  MessagingError,
  MessagingErrorCodes,
  type MessageBus,
  type OutgoingMessage,
} from '@libs/messaging';
import { backoffDelayMs } from '@libs/resilience';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { OutboxRelayMetrics } from './outbox-relay.metrics';

/** Namespace of channel-target message ids (UUID v5): the same target at the same version has the same id. */
const TARGET_MESSAGE_NAMESPACE = '0b6f3c8e-2f4d-5a91-8c7e-3d2a1f6b9e40';

export interface OutboxRelayOptions {
  /** Rows per round (one publish call); default 500. */
  batchSize?: number;
  /** How often to look for rows when idle; default 500 ms. The projector's signal wakes the relay at once. */
  pollIntervalMs?: number;
  /** Ceiling of the first delay after a failed round, doubled per failure (full jitter); default 100 ms. */
  retryDelayMs?: number;
  /** Cap of that delay; default 30 s. */
  maxRetryDelayMs?: number;
  /** Published rows older than this are deleted; default 24 h. 0 keeps them. */
  retainPublishedMs?: number;
  /** The projector's `targetsWritten`. */
  wake?: WakeSignal;
  metrics?: OutboxRelayMetrics;
  /** Told about every failed round before the retry. */
  onError?(error: unknown, consecutiveFailures: number): void;
}

interface OutboxRow {
  id: string;
  channel: string;
  sku: string;
  /** bigint: read as a string, a safe integer by the domain's bounds. */
  quantity: string;
  /** bigint, fen; null when the channel has no price. */
  price: string | null;
  version: string;
  occurred_at: Date;
  pending: string;
}

type TargetMessage = OutgoingMessage<typeof ChannelTargetsTopic>;

const PRUNE_EVERY_MS = 60_000;

/**
 * Publishes the projector's outbox to stock.channel-targets, oldest first. A row is marked published only after
 * the broker acknowledged it, so while the broker is unreachable rows simply wait and the relay retries with
 * backoff: nothing is lost, and a crash between publish and mark publishes the row again (connectors keep the
 * newest version per channel and SKU, so a repeat is harmless).
 */
export class OutboxRelay {
  private readonly metrics: OutboxRelayMetrics;
  private readonly stopRequested = new WakeSignal();
  private loop?: Promise<void>;
  private stopped = true;
  private lastPrune = 0;

  constructor(
    private readonly pool: Pool,
    private readonly bus: MessageBus,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.metrics = options.metrics ?? new OutboxRelayMetrics(new Registry());
  }

  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Lets the round in progress finish (its rows are marked or left for later), then ends the loop. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested.notify();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * One round: reads up to a page of unpublished rows in id order, publishes the newest target per channel and
   * SKU among them, then marks the whole page published and records the targets in channel_stock. Returns the
   * number of rows settled. Throws when the publish fails (the rows stay unpublished).
   */
  async relayOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 500;
    const { rows } = await this.pool.query<OutboxRow>(
      `SELECT id, channel, sku, quantity, price, version, occurred_at, count(*) OVER () AS pending
         FROM target_outbox
        WHERE published_at IS NULL AND rejected_reason IS NULL
        ORDER BY id
        LIMIT $1`,
      [batchSize],
    );
    const pending = rows.length === 0 ? 0 : Number(rows[0].pending);
    this.metrics.pending.set(pending);
    if (rows.length === 0) return 0;

    const { valid, rejected } = checkRows(rows);
    if (rejected.length > 0) await this.markRejected(rejected);
    const newest = newestPerChannelAndSku(valid);
    if (newest.length > 0) await this.bus.publish(ChannelTargetsTopic, newest.map(toMessage));
    if (valid.length > 0) await this.markPublished(valid, newest);
    this.metrics.published.inc(valid.length);
    this.metrics.pending.set(Math.max(0, pending - rows.length));
    return rows.length;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    let failures = 0;
    while (!this.stopped) {
      const seen = this.options.wake?.generation;
      try {
        const settled = await this.relayOnce();
        failures = 0;
        await this.pruneNowAndThen();
        if (settled < batchSize) await this.sleep(this.options.pollIntervalMs ?? 500, seen);
      } catch (error) {
        failures += 1;
        // Before the bus has started (the app is still booting) there is nothing to report: just wait.
        const notStarted = error instanceof MessagingError && error.code === MessagingErrorCodes.NOT_STARTED;
        if (!notStarted) {
          this.metrics.publishFailures.inc();
          this.options.onError?.(error, failures);
        }
        await this.sleep(
          backoffDelayMs(failures, {
            initialMs: this.options.retryDelayMs ?? 100,
            maxMs: this.options.maxRetryDelayMs ?? 30_000,
          }),
        );
      }
    }
  }

  private async markPublished(settled: OutboxRow[], published: OutboxRow[]): Promise<void> {
    // One statement, so the rows and channel_stock change together. A target only replaces an older version.
    await this.pool.query(
      `WITH marked AS (
         UPDATE target_outbox SET published_at = now() WHERE id = ANY($1::bigint[])
       )
       INSERT INTO channel_stock AS t (channel, sku, target, target_version, target_published_at, price)
       SELECT r."channel", r."sku", r."quantity", r."version", now(), r."price"
         FROM json_to_recordset($2::json)
           AS r("channel" text, "sku" text, "quantity" bigint, "version" bigint, "price" bigint)
       ON CONFLICT (channel, sku) DO UPDATE SET
         target = EXCLUDED.target, target_version = EXCLUDED.target_version,
         target_published_at = EXCLUDED.target_published_at, price = EXCLUDED.price
       WHERE t.target_version IS NULL OR t.target_version <= EXCLUDED.target_version`,
      [
        settled.map((r) => r.id),
        JSON.stringify(
          published.map((r) => ({
            channel: r.channel,
            sku: r.sku,
            quantity: Number(r.quantity),
            version: r.version,
            price: r.price === null ? null : Number(r.price),
          })),
        ),
      ],
    );
  }

  private async markRejected(rejected: { row: OutboxRow; reason: string }[]): Promise<void> {
    await this.pool.query(
      `UPDATE target_outbox AS t SET rejected_reason = r."reason"
         FROM json_to_recordset($1::json) AS r("id" bigint, "reason" text)
        WHERE t.id = r."id"`,
      [JSON.stringify(rejected.map(({ row, reason }) => ({ id: row.id, reason })))],
    );
    this.metrics.rejected.inc(rejected.length);
  }

  private async pruneNowAndThen(): Promise<void> {
    const retainMs = this.options.retainPublishedMs ?? 24 * 3_600_000;
    if (retainMs <= 0 || Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.pool.query(
      `DELETE FROM target_outbox WHERE published_at < now() - make_interval(secs => $1)`,
      [retainMs / 1000],
    );
  }

  /** Sleeps until the timeout, a wake-up from the projector (when `seen` is given), or stop(). */
  private sleep(ms: number, seen?: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const wake = this.options.wake;
    if (seen !== undefined && wake && wake.generation !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const removers: (() => void)[] = [];
      const done = () => {
        clearTimeout(timer);
        removers.forEach((remove) => remove());
        resolve();
      };
      const timer = setTimeout(done, ms);
      removers.push(this.stopRequested.listen(done));
      if (seen !== undefined && wake) removers.push(wake.listen(done));
    });
  }
}

/** Rows the topic's schema refuses (a channel code the catalogue does not allow, …) are set aside, not retried. */
function checkRows(rows: OutboxRow[]): {
  valid: OutboxRow[];
  rejected: { row: OutboxRow; reason: string }[];
} {
  const valid: OutboxRow[] = [];
  const rejected: { row: OutboxRow; reason: string }[] = [];
  for (const row of rows) {
    try {
      encodeMessage(ChannelTargetsTopic, toMessage(row), 'projector');
      valid.push(row);
    } catch (error) {
      if (!(error instanceof MessagingError)) throw error;
      rejected.push({ row, reason: error.message });
    }
  }
  return { valid, rejected };
}

/** Full-set targets supersede each other: of several rows for one channel and SKU only the newest is worth sending. */
function newestPerChannelAndSku(rows: OutboxRow[]): OutboxRow[] {
  const newest = new Map<string, OutboxRow>();
  for (const row of rows) {
    const key = `${row.channel}:${row.sku}`;
    const current = newest.get(key);
    if (!current || Number(row.version) >= Number(current.version)) newest.set(key, row);
  }
  return [...newest.values()].sort((a, b) => Number(a.id) - Number(b.id));
}

function toMessage(row: OutboxRow): TargetMessage {
  const skuVersion = Number(row.version);
  return {
    type: 'channel-target.set',
    eventId: uuidV5(JSON.stringify([row.channel, row.sku, skuVersion]), TARGET_MESSAGE_NAMESPACE),
    occurredAt: row.occurred_at,
    payload: {
      channel: row.channel,
      sku: row.sku,
      quantity: Number(row.quantity),
      ...(row.price === null || row.price === undefined ? {} : { price: Number(row.price) }),
      skuVersion,
    },
  };
}
