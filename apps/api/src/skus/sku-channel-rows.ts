import { bigintToNumber, type ChannelStock } from '@libs/read-models';
import type { Repository } from 'typeorm';

/**
 * One channel of a SKU as the SKU routes answer it: the target the relay announced (`channel_stock`) and what the
 * channel's connector pushed, had acknowledged and last failed (`channel_push_state`).
 */
export interface SkuChannelRow {
  channel: string;
  target: number | null;
  targetVersion: number | null;
  targetPublishedAt: Date | null;
  lastPushed: number | null;
  lastPushedVersion: number | null;
  lastPushedAt: Date | null;
  lastAcked: number | null;
  lastAckedVersion: number | null;
  lastAckedAt: Date | null;
  lastErrorCode: string | null;
  lastErrorAt: Date | null;
}

/**
 * The connectors' table: only they write it and their migrations create it (libs/channels). It is joined by name
 * rather than read through an entity, because the read-model entities describe the read-model migrations'
 * schema, which does not hold it.
 */
const PUSH_STATE_TABLE = 'channel_push_state';

/** How long an answer that the push state table is missing stands before the API looks again. */
export const PUSH_STATE_RECHECK_MS = 5_000;

/**
 * Whether the connectors' push state table exists. A database no connector has started on yet does not have it;
 * the SKU routes then answer the push state as null. The catalogue is asked, never a failed query read as a
 * missing table: any other failure must still reach the caller. A table once there stays, so that answer is
 * kept; a missing one is looked for again after PUSH_STATE_RECHECK_MS, so a connector started later shows up
 * without restarting the API, and a busy API does not ask on every read meanwhile.
 */
export class PushStateTable {
  private present = false;
  private checkedAt = -Infinity;
  private checking: Promise<boolean> | undefined;

  constructor(
    private readonly query: (sql: string, params: unknown[]) => Promise<{ present: boolean }[]>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async exists(): Promise<boolean> {
    if (this.present) return true;
    // Reads arriving while the catalogue is asked share its answer.
    if (this.checking) return this.checking;
    if (this.now() - this.checkedAt < PUSH_STATE_RECHECK_MS) return false;
    this.checking = this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async check(): Promise<boolean> {
    const [row] = await this.query('SELECT to_regclass($1::text) IS NOT NULL AS present', [PUSH_STATE_TABLE]);
    this.present = row?.present === true;
    this.checkedAt = this.now();
    return this.present;
  }
}

interface RawChannelRow {
  sku: string;
  channel: string;
  target: string | null;
  targetVersion: string | null;
  targetPublishedAt: Date | null;
  // Absent when the push state table is not there.
  lastPushed?: number | null;
  lastPushedVersion?: string | null;
  lastPushedAt?: Date | null;
  lastAcked?: number | null;
  lastAckedVersion?: string | null;
  lastAckedAt?: Date | null;
  lastErrorCode?: string | null;
  lastErrorAt?: Date | null;
}

function bigint(value: string | null | undefined): number | null {
  return value === null || value === undefined ? null : bigintToNumber(value);
}

/** The channels of SKUs with their push state, read in one query however many SKUs are asked for. */
export class SkuChannelRows {
  private readonly pushState: PushStateTable;

  constructor(private readonly channels: Repository<ChannelStock>) {
    this.pushState = new PushStateTable((sql, params) => channels.query(sql, params));
  }

  /** Every channel of each SKU, in channel order; a SKU without channels is absent from the map. */
  async of(skus: readonly string[]): Promise<Map<string, SkuChannelRow[]>> {
    const bySku = new Map<string, SkuChannelRow[]>();
    if (skus.length === 0) return bySku;
    const query = this.channels
      .createQueryBuilder('c')
      .select('c.sku', 'sku')
      .addSelect('c.channel', 'channel')
      .addSelect('c.target', 'target')
      .addSelect('c.targetVersion', 'targetVersion')
      .addSelect('c.targetPublishedAt', 'targetPublishedAt')
      .where('c.sku IN (:...skus)', { skus })
      .orderBy('c.sku', 'ASC')
      .addOrderBy('c.channel', 'ASC');
    // channel_stock's own last_pushed*/last_acked* columns are never written: the connectors keep their push
    // state in their table, joined here (as the analyst view stock_per_channel_now does).
    if (await this.pushState.exists()) {
      query
        .leftJoin(PUSH_STATE_TABLE, 'p', 'p.channel = c.channel AND p.sku = c.sku')
        .addSelect('p.last_pushed_quantity', 'lastPushed')
        .addSelect('p.last_pushed_version', 'lastPushedVersion')
        .addSelect('p.last_pushed_at', 'lastPushedAt')
        .addSelect('p.last_acked_quantity', 'lastAcked')
        .addSelect('p.last_acked_version', 'lastAckedVersion')
        .addSelect('p.last_acked_at', 'lastAckedAt')
        .addSelect('p.last_error_code', 'lastErrorCode')
        .addSelect('p.last_error_at', 'lastErrorAt');
    }
    for (const raw of await query.getRawMany<RawChannelRow>()) {
      const list = bySku.get(raw.sku) ?? [];
      list.push({
        channel: raw.channel,
        target: bigint(raw.target),
        targetVersion: bigint(raw.targetVersion),
        targetPublishedAt: raw.targetPublishedAt,
        lastPushed: raw.lastPushed ?? null,
        lastPushedVersion: bigint(raw.lastPushedVersion),
        lastPushedAt: raw.lastPushedAt ?? null,
        lastAcked: raw.lastAcked ?? null,
        lastAckedVersion: bigint(raw.lastAckedVersion),
        lastAckedAt: raw.lastAckedAt ?? null,
        lastErrorCode: raw.lastErrorCode ?? null,
        lastErrorAt: raw.lastErrorAt ?? null,
      });
      bySku.set(raw.sku, list);
    }
    return bySku;
  }
}
