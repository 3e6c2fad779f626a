import type { Queryable } from '@libs/database';
import type { EventStore } from '@libs/event-store';
import { skuStreamId } from '@libs/inventory-application';
import { inventoryDecider, stockLevels, type InventoryEvent } from '@libs/inventory';
import type { ChannelAccess, CorrectionOutcome } from './channel-access';
import {
  classifyDifference,
  listedQuantity,
  type DifferenceClass,
  type PushState,
  type Target,
} from './classify-difference';
import type { ReconciliationMetrics } from './reconciliation-metrics';

export interface ReconciliationItem {
  channel: string;
  sku: string;
  class: DifferenceClass;
  listed: number | null;
  target: number | null;
  targetVersion: number | null;
  /** reported | corrected | queued | superseded | refused:<code> | push_failed */
  action: string;
  note?: string;
}

export interface ReconciliationSummary {
  runId: number;
  listingsChecked: number;
  skusChecked: number;
  differences: number;
  corrections: number;
  byClass: Partial<Record<DifferenceClass, number>>;
}

export interface ReconcilerOptions {
  pageSize?: number;
  /** Rebuild every SKU from the event store and compare it with the read model (slower; nightly). */
  truthCheck?: boolean;
  onProgress?(progress: { channel: string; listings: number }): void;
}

const INSERT_CHUNK = 5_000;

/**
 * One reconciliation: snapshot the targets, page through every channel's listings, classify each difference,
 * then hand corrections to each channel's connector — re-reading each target first, and the connector's push
 * queue refuses a version older than one it has sent, so a change that happened while the run was going is
 * never overwritten with an older value. Running it again right after finds nothing left to correct.
 */
export class Reconciler {
  constructor(
    private readonly db: Queryable,
    private readonly channels: readonly ChannelAccess[],
    private readonly store?: EventStore,
    private readonly metrics?: ReconciliationMetrics,
  ) {}

  async run(trigger: string, options: ReconcilerOptions = {}): Promise<ReconciliationSummary> {
    const started = process.hrtime.bigint();
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO reconciliation_runs (trigger, status) VALUES ($1, 'running') RETURNING id`,
      [trigger],
    );
    const runId = Number(rows[0].id);
    const summary: ReconciliationSummary = {
      runId,
      listingsChecked: 0,
      skusChecked: 0,
      differences: 0,
      corrections: 0,
      byClass: {},
    };
    try {
      const pending: ReconciliationItem[] = [];
      const flush = async (force = false) => {
        if (pending.length >= INSERT_CHUNK || (force && pending.length > 0))
          await this.insertItems(runId, pending.splice(0));
      };
      for (const access of this.channels) {
        for (const item of await this.reconcileChannel(access, options, summary)) {
          this.count(summary, item);
          pending.push(item);
          await flush();
        }
      }
      if (options.truthCheck && this.store) {
        for (const item of await this.truthCheck(summary)) {
          this.count(summary, item);
          pending.push(item);
          await flush();
        }
      }
      await flush(true);
      await this.db.query(
        `UPDATE reconciliation_runs SET status = 'finished', finished_at = now(), listings_checked = $2, skus_checked = $3,
                differences = $4, corrections = $5 WHERE id = $1`,
        [runId, summary.listingsChecked, summary.skusChecked, summary.differences, summary.corrections],
      );
      return summary;
    } catch (err) {
      await this.db.query(
        `UPDATE reconciliation_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`,
        [runId, (err as Error).message],
      );
      throw err;
    } finally {
      this.metrics?.runSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private count(summary: ReconciliationSummary, item: ReconciliationItem): void {
    summary.differences++;
    summary.byClass[item.class] = (summary.byClass[item.class] ?? 0) + 1;
    if (item.action === 'corrected') summary.corrections++;
    this.metrics?.differences.inc({ channel: item.channel, class: item.class });
  }

  private async reconcileChannel(
    access: ChannelAccess,
    options: ReconcilerOptions,
    summary: ReconciliationSummary,
  ): Promise<ReconciliationItem[]> {
    const { channel } = access;
    const targets = await this.targets(channel);
    const pushes = await this.pushStates(channel);
    const items: ReconciliationItem[] = [];
    const toCorrect: ReconciliationItem[] = [];
    let cursor: string | undefined;
    let listings = 0;
    do {
      const page = await access.readListings(cursor, options.pageSize ?? 500);
      for (const listing of page.items) {
        const target = targets.get(listing.sku);
        targets.delete(listing.sku);
        const diff = classifyDifference(target, pushes.get(listing.sku), listing);
        if (!diff) continue;
        const item: ReconciliationItem = {
          channel,
          sku: listing.sku,
          class: diff.class,
          listed: listedQuantity(listing),
          target: target?.quantity ?? null,
          targetVersion: target?.version ?? null,
          action: 'reported',
        };
        items.push(item);
        if (diff.correctable) toCorrect.push(item);
      }
      listings += page.items.length;
      this.metrics?.listingsChecked.inc({ channel }, page.items.length);
      if (listings % 10_000 < page.items.length) options.onProgress?.({ channel, listings });
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    summary.listingsChecked += listings;
    for (const [sku, target] of targets) {
      items.push({
        channel,
        sku,
        class: 'sku_unknown_to_platform',
        listed: null,
        target: target.quantity,
        targetVersion: target.version,
        action: 'reported',
      });
    }
    await this.correct(access, toCorrect);
    return items;
  }

  /** Replays the snapshot against the targets as they are now, then pushes what is still due. */
  private async correct(access: ChannelAccess, items: ReconciliationItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += 1000) {
      const chunk = items.slice(i, i + 1000);
      const current = await this.targets(
        access.channel,
        chunk.map((c) => c.sku),
      );
      const due = chunk.filter((item) => {
        const now = current.get(item.sku);
        if (!now || now.version > (item.targetVersion ?? 0)) {
          item.action = 'superseded';
          item.note = 'a newer target was published during the run; its own push will correct the listing';
          return false;
        }
        return true;
      });
      for (let j = 0; j < due.length; j += access.maxBatchSize) {
        const batch = due.slice(j, j + access.maxBatchSize);
        try {
          // The channel's own writer re-pushes the target: a version older than one it has sent is refused there.
          const results = await access.correct(
            batch.map((b) => ({ sku: b.sku, quantity: b.target!, skuVersion: b.targetVersion! })),
          );
          const bySku = new Map(results.map((r) => [r.sku, r]));
          for (const b of batch) {
            const r = bySku.get(b.sku);
            b.action = actionOf(r);
            if (r?.result === 'stale')
              b.note = 'the connector has sent a newer target; its own push corrects the listing';
            if (r?.result === 'queued') b.note = 'queued on the connector; the platform had not answered yet';
            this.metrics?.corrections.inc({ channel: access.channel, result: r?.result ?? 'failed' });
          }
        } catch (err) {
          for (const b of batch) {
            b.action = 'push_failed';
            b.note = (err as Error).message.slice(0, 500);
          }
          this.metrics?.corrections.inc({ channel: access.channel, result: 'failed' }, batch.length);
        }
      }
    }
  }

  /** The truth check: every SKU rebuilt from its events, compared with the read model's row. */
  private async truthCheck(summary: ReconciliationSummary): Promise<ReconciliationItem[]> {
    const items: ReconciliationItem[] = [];
    const { rows: stored } = await this.db.query<{
      sku: string;
      on_hand: string;
      reserved: string;
      available: string;
      version: string;
    }>('SELECT sku, on_hand, reserved, available, version FROM sku_stock ORDER BY sku');
    // bigint columns come back as strings; the domain keeps them below 2^53.
    const rows = stored.map((r) => ({
      ...r,
      on_hand: Number(r.on_hand),
      reserved: Number(r.reserved),
      available: Number(r.available),
    }));
    for (const row of rows) {
      let state = inventoryDecider.initialState();
      let version = 0;
      for (const e of await this.store!.readStream(skuStreamId(row.sku))) {
        state = inventoryDecider.evolve(state, { type: e.type, data: e.data } as InventoryEvent);
        version = e.version;
      }
      summary.skusChecked++;
      const levels = stockLevels(state);
      // A read model behind the store (projector lag) is not wrong, only late.
      if (Number(row.version) !== version) continue;
      if (
        levels.onHand !== row.on_hand ||
        levels.reserved !== row.reserved ||
        levels.available !== row.available
      ) {
        items.push({
          channel: '*',
          sku: row.sku,
          class: 'projection_mismatch',
          listed: row.available,
          target: levels.available,
          targetVersion: version,
          action: 'reported',
          note: `read model on hand ${row.on_hand}/reserved ${row.reserved}, events say ${levels.onHand}/${levels.reserved}; rebuild the projection`,
        });
      }
    }
    return items;
  }

  private async targets(channel: string, skus?: string[]): Promise<Map<string, Target>> {
    const { rows } = await this.db.query<{ sku: string; target: string; target_version: string }>(
      `SELECT sku, target, target_version FROM channel_stock
        WHERE channel = $1 AND target IS NOT NULL AND ($2::text[] IS NULL OR sku = ANY($2))`,
      [channel, skus ?? null],
    );
    return new Map(
      rows.map((r) => [r.sku, { quantity: Number(r.target), version: Number(r.target_version) }]),
    );
  }

  private async pushStates(channel: string): Promise<Map<string, PushState>> {
    try {
      const { rows } = await this.db.query<{
        sku: string;
        last_acked_version: string | null;
        last_error_code: string | null;
      }>('SELECT sku, last_acked_version, last_error_code FROM channel_push_state WHERE channel = $1', [
        channel,
      ]);
      return new Map(
        rows.map((r) => [
          r.sku,
          {
            lastAckedVersion: r.last_acked_version === null ? null : Number(r.last_acked_version),
            lastErrorCode: r.last_error_code,
          },
        ]),
      );
    } catch (err) {
      // No connector has run against this database yet: nothing was ever pushed.
      if ((err as { code?: string }).code === '42P01') return new Map();
      throw err;
    }
  }

  private async insertItems(runId: number, items: ReconciliationItem[]): Promise<void> {
    await this.db.query(
      `INSERT INTO reconciliation_items (run_id, channel, sku, class, listed, target, target_version, action, note)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::bigint[], $8::text[], $9::text[])`,
      [
        runId,
        items.map((i) => i.channel),
        items.map((i) => i.sku),
        items.map((i) => i.class),
        items.map((i) => i.listed),
        items.map((i) => i.target),
        items.map((i) => i.targetVersion),
        items.map((i) => i.action),
        items.map((i) => i.note ?? null),
      ],
    );
  }
}

function actionOf(r: CorrectionOutcome | undefined): string {
  if (!r) return 'push_failed';
  switch (r.result) {
    case 'acknowledged':
      return 'corrected';
    case 'refused':
      return `refused:${r.code}`;
    case 'stale':
      return 'superseded';
    case 'queued':
      return 'queued';
  }
}
