import { randomUUID } from 'node:crypto';
import { withTransaction } from '@libs/database';
import {
  alertKeyOf,
  describeViolation,
  type DiversionRule,
  evaluateOrder,
  type ObservedOrder,
  ruleProblems,
  type RuleType,
  type SubjectKind,
  traceLabels,
  type TraceOrder,
  usesChannelPrice,
  type Violation,
  volumeContributions,
  volumeKey,
  type VolumeContribution,
  windowSum,
} from '@libs/diversion';
import type { AlertSink } from '@libs/messaging';
import type { Pool, PoolClient } from 'pg';

/** Orders kept in one alert's trace: the first ones and those that follow in its window, up to this many. */
const MAX_TRACE_ORDERS = 20;
/** Volume observations outlive the longest window (a week) by a day, then go. */
const VOLUME_RETENTION_MS = 8 * 86_400_000;

export interface BatchOutcome {
  /** Notices not seen before (a redelivered one counts nothing). */
  fresh: number;
  violations: number;
  /** Violations that opened a new alert (the first of their rule:subject:window). */
  alertsOpened: number;
  byType: Partial<Record<RuleType, number>>;
}

/** The rows of diversion_rules in force, read by the engine and written by the api alone. */
export async function loadRules(
  pool: Pick<Pool, 'query'>,
  onInvalid: (id: string, problems: string[]) => void = () => undefined,
): Promise<DiversionRule[]> {
  const { rows } = await pool.query<{
    id: string;
    version: number;
    name: string;
    definition: Omit<DiversionRule, 'id' | 'version' | 'name'>;
  }>('SELECT id::text AS id, version, name, definition FROM diversion_rules WHERE NOT deleted ORDER BY id');
  const rules: DiversionRule[] = [];
  for (const r of rows) {
    const rule: DiversionRule = { ...r.definition, id: r.id, version: r.version, name: r.name };
    // The api validated it; a row written by hand is skipped rather than evaluated half-understood.
    const problems = ruleProblems(rule);
    if (problems.length > 0) onInvalid(r.id, problems);
    else rules.push(rule);
  }
  return rules;
}

function traceOf(o: ObservedOrder): TraceOrder {
  return {
    channel: o.channel,
    orderId: o.orderId,
    sku: o.sku,
    quantity: o.quantity,
    at: o.at.toISOString(),
    ...(o.unitPrice !== undefined ? { unitPrice: o.unitPrice } : {}),
    ...(o.shop !== undefined ? { shop: o.shop } : {}),
    ...(o.province !== undefined ? { province: o.province } : {}),
    ...(o.city !== undefined ? { city: o.city } : {}),
    ...(o.ip !== undefined ? { ip: o.ip } : {}),
    ...(o.buyerRef !== undefined ? { buyerRef: o.buyerRef } : {}),
  };
}

/**
 * The diversion engine's state in PostgreSQL, so that several notifier instances and restarts agree: the notices
 * evaluated (by event id), the volume observations behind the windowed counts, and one diversion_alerts row per
 * rule:subject:window. A batch is one transaction: a redelivered batch finds its notices already recorded and counts
 * and alerts nothing again.
 */
export class DiversionEngine {
  constructor(private readonly pool: Pool) {}

  async processBatch(
    orders: readonly ObservedOrder[],
    rules: readonly DiversionRule[],
  ): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { fresh: 0, violations: 0, alertsOpened: 0, byType: {} };
    if (orders.length === 0) return outcome;
    await withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ event_id: string }>(
        `INSERT INTO diversion_processed (event_id) SELECT unnest($1::text[])
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [orders.map((o) => o.eventId)],
      );
      const fresh = new Set(rows.map((r) => r.event_id));
      if (fresh.size === 0 || rules.length === 0) {
        outcome.fresh = fresh.size;
        return;
      }
      // delete: the same notice twice in one batch is evaluated once.
      const batch = orders.filter((o) => fresh.delete(o.eventId));
      outcome.fresh = batch.length;
      const counts = await this.countBatch(tx, batch, rules);
      const prices = await this.channelPrices(tx, batch, rules);
      // The batch's violations by alert key, in order: one row each, whatever number of orders broke it.
      const byKey = new Map<string, PendingAlert>();
      for (const [i, order] of batch.entries()) {
        const violations = evaluateOrder(
          order,
          rules,
          (ruleId, subject) => counts[i]!.get(volumeKey(ruleId, subject)) ?? 0,
          prices.get(priceKey(order.channel, order.sku)),
        );
        for (const v of violations) {
          outcome.violations += 1;
          outcome.byType[v.type] = (outcome.byType[v.type] ?? 0) + 1;
          const key = alertKeyOf(v);
          const open = byKey.get(key);
          if (open) {
            open.orders.push(order);
            continue;
          }
          byKey.set(key, { key, v, orders: [order], trace: await this.openingTrace(tx, v, order) });
        }
      }
      outcome.alertsOpened = await this.recordAlerts(tx, [...byKey.values()]);
    });
    return outcome;
  }

  /**
   * Each order's windowed count per volume rule and subject (over the window ending at the order, the order
   * included), and the batch's observations recorded: two statements per batch, not two per order. The counts are
   * what was recorded before the batch, read in one statement, plus the batch's own earlier orders added here.
   */
  private async countBatch(
    tx: PoolClient,
    batch: readonly ObservedOrder[],
    rules: readonly DiversionRule[],
  ): Promise<Map<string, number>[]> {
    const counts = batch.map(() => new Map<string, number>());
    const rows: { order: number; c: VolumeContribution }[] = [];
    for (const [i, order] of batch.entries())
      for (const c of volumeContributions(order, rules)) rows.push({ order: i, c });
    if (rows.length === 0) return counts;
    const { rows: prior } = await tx.query<{ n: string }>(
      `SELECT (SELECT coalesce(sum(v.amount), 0) FROM diversion_volume v
                WHERE v.rule_id = c.rule_id AND v.subject = c.subject
                  AND v.at > c.at - c.window_ms * interval '1 millisecond' AND v.at <= c.at)::text AS n
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[]) WITH ORDINALITY
              AS c(rule_id, subject, at, window_ms, ord)
        ORDER BY c.ord`,
      [
        rows.map((r) => r.c.ruleId),
        rows.map((r) => r.c.subject),
        rows.map((r) => batch[r.order]!.at),
        rows.map((r) => r.c.windowMs),
      ],
    );
    // The batch's earlier orders of the same rule and subject inside the window count too, and this one.
    const earlier = new Map<string, { at: number; amount: number }[]>();
    for (const [j, { order, c }] of rows.entries()) {
      const key = volumeKey(c.ruleId, c.subject);
      const at = batch[order]!.at.getTime();
      const seen = earlier.get(key) ?? [];
      seen.push({ at, amount: c.amount });
      earlier.set(key, seen);
      counts[order]!.set(key, Number(prior[j]!.n) + windowSum(seen, at, c.windowMs));
    }
    const col = <T>(f: (o: ObservedOrder) => T) => rows.map((r) => f(batch[r.order]!));
    await tx.query(
      `INSERT INTO diversion_volume
         (rule_id, subject, amount, at, event_id, channel, order_id, sku, quantity, unit_price, shop, province, city,
          ip, buyer_ref)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::int[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[],
                            $15::text[])`,
      [
        rows.map((r) => r.c.ruleId),
        rows.map((r) => r.c.subject),
        rows.map((r) => r.c.amount),
        col((o) => o.at),
        col((o) => o.eventId),
        col((o) => o.channel),
        col((o) => o.orderId),
        col((o) => o.sku),
        col((o) => o.quantity),
        col((o) => o.unitPrice ?? null),
        col((o) => o.shop ?? null),
        col((o) => o.province ?? null),
        col((o) => o.city ?? null),
        col((o) => o.ip ?? null),
        col((o) => o.buyerRef ?? null),
      ],
    );
    return counts;
  }

  /**
   * The selling price each (channel, SKU) of the batch is listed at (channel_stock.price, written by the projector's
   * relay with the target), read in one statement and only when a percentage floor takes its reference from it.
   */
  private async channelPrices(
    tx: PoolClient,
    batch: readonly ObservedOrder[],
    rules: readonly DiversionRule[],
  ): Promise<Map<string, number>> {
    const prices = new Map<string, number>();
    if (!rules.some(usesChannelPrice)) return prices;
    const { rows } = await tx.query<{ channel: string; sku: string; price: string }>(
      `SELECT s.channel, s.sku, s.price::text AS price
         FROM channel_stock s JOIN unnest($1::text[], $2::text[]) AS b(channel, sku) USING (channel, sku)
        WHERE s.price IS NOT NULL`,
      [batch.map((o) => o.channel), batch.map((o) => o.sku)],
    );
    for (const r of rows) prices.set(priceKey(r.channel, r.sku), Number(r.price));
    return prices;
  }

  /** The trace an alert opens with: the order, or for a volume rule the window's orders of the subject. */
  private async openingTrace(tx: PoolClient, v: Violation, order: ObservedOrder): Promise<TraceOrder[]> {
    if (v.type !== 'volume') return [traceOf(order)];
    const { rows } = await tx.query<{
      channel: string;
      order_id: string;
      sku: string;
      quantity: number;
      at: Date;
      unit_price: string | null;
      shop: string | null;
      province: string | null;
      city: string | null;
      ip: string | null;
      buyer_ref: string | null;
    }>(
      `SELECT channel, order_id, sku, quantity, at, unit_price, shop, province, city, ip, buyer_ref
         FROM diversion_volume
        WHERE rule_id = $1 AND subject = $2 AND at > $3::timestamptz - $4 * interval '1 millisecond' AND at <= $3
        ORDER BY at DESC, id DESC LIMIT ${MAX_TRACE_ORDERS}`,
      [v.ruleId, v.subject, order.at, v.windowEnd.getTime() - v.windowStart.getTime()],
    );
    return rows.reverse().map((r) =>
      traceOf({
        eventId: '',
        channel: r.channel,
        orderId: r.order_id,
        sku: r.sku,
        quantity: r.quantity,
        at: r.at,
        ...(r.unit_price !== null ? { unitPrice: Number(r.unit_price) } : {}),
        ...(r.shop !== null ? { shop: r.shop } : {}),
        ...(r.province !== null ? { province: r.province } : {}),
        ...(r.city !== null ? { city: r.city } : {}),
        ...(r.ip !== null ? { ip: r.ip } : {}),
        ...(r.buyer_ref !== null ? { buyerRef: r.buyer_ref } : {}),
      }),
    );
  }

  /**
   * Opens each key's alert, or adds the batch's orders to an open one's trace and count: one statement for the
   * batch. Answers how many were opened.
   */
  private async recordAlerts(tx: PoolClient, alerts: readonly PendingAlert[]): Promise<number> {
    if (alerts.length === 0) return 0;
    const detailOf = (v: Violation) => ({
      ...(v.floorFen !== undefined ? { floorFen: v.floorFen } : {}),
      ...(v.allowed !== undefined ? { allowed: v.allowed } : {}),
      ...(v.count !== undefined ? { count: v.count, max: v.max, measure: v.measure } : {}),
    });
    const col = <T>(f: (a: PendingAlert) => T) => alerts.map(f);
    const { rows } = await tx.query<{ opened: boolean }>(
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                              $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $13::text[],
                              $14::timestamptz[], $15::timestamptz[], $16::int[], $17::jsonb[], $18::jsonb[], $19::jsonb[])
           AS v(id, alert_key, rule_id, rule_version, rule_name, rule_type, subject_kind, subject, window_start,
                window_end, sku, channel, shop, first_at, last_at, violations, detail, orders, appended)
       )
       INSERT INTO diversion_alerts
         (id, alert_key, rule_id, rule_version, rule_name, rule_type, subject_kind, subject, window_start, window_end,
          sku, channel, shop, first_at, last_at, violations, detail, orders)
       SELECT id, alert_key, rule_id, rule_version, rule_name, rule_type, subject_kind, subject, window_start,
              window_end, sku, channel, shop, first_at, last_at, violations, detail, orders
         FROM v
       ON CONFLICT (alert_key) DO UPDATE SET
         violations = diversion_alerts.violations + EXCLUDED.violations,
         last_at = greatest(diversion_alerts.last_at, EXCLUDED.last_at),
         orders = (SELECT coalesce(jsonb_agg(t.e ORDER BY t.i), '[]'::jsonb)
                     FROM (SELECT e, i FROM jsonb_array_elements(
                             diversion_alerts.orders || (SELECT v.appended FROM v WHERE v.alert_key = EXCLUDED.alert_key)
                           ) WITH ORDINALITY AS x(e, i) ORDER BY i LIMIT ${MAX_TRACE_ORDERS}) t)
       RETURNING (xmax = 0) AS opened`,
      [
        col(() => randomUUID()),
        col((a) => a.key),
        col((a) => a.v.ruleId),
        col((a) => a.v.ruleVersion),
        col((a) => a.v.ruleName),
        col((a) => a.v.type),
        col((a) => a.v.subjectKind),
        col((a) => a.v.subject),
        col((a) => a.v.windowStart),
        col((a) => a.v.windowEnd),
        col((a) => a.orders[0]!.sku),
        col((a) => a.orders[0]!.channel),
        col((a) => a.orders[0]!.shop ?? null),
        col((a) => a.orders[0]!.at),
        col((a) => new Date(Math.max(...a.orders.map((o) => o.at.getTime())))),
        col((a) => a.orders.length),
        col((a) => JSON.stringify(detailOf(a.v))),
        // A new alert: its opening trace and the batch's later orders; an open one: the batch's orders appended.
        col((a) =>
          JSON.stringify([...a.trace, ...a.orders.slice(1).map(traceOf)].slice(0, MAX_TRACE_ORDERS)),
        ),
        col((a) => JSON.stringify(a.orders.map(traceOf))),
      ],
    );
    return rows.filter((r) => r.opened).length;
  }

  /**
   * Publishes alerts recorded but not yet on stock.alerts, oldest first, and marks them. Run after each batch and
   * periodically: a broker that was away when the batch committed only delays the alert. Two instances may publish
   * the same row; the notifier keeps one alert per kind and key.
   */
  async publishPending(sink: AlertSink, limit = 100): Promise<number> {
    const { rows } = await this.pool.query<AlertRow>(
      `SELECT id, alert_key, rule_id, rule_version, rule_name, rule_type, subject_kind, subject, window_start,
              window_end, first_at, detail, orders
         FROM diversion_alerts WHERE published_at IS NULL ORDER BY created_at LIMIT $1`,
      [limit],
    );
    const done: string[] = [];
    try {
      for (const row of rows) {
        await sink.raise(alertOf(row).notice);
        done.push(row.id);
      }
    } finally {
      // One update for the lot; what was raised before a failure is marked too, so it is not raised again.
      if (done.length > 0)
        await this.pool.query('UPDATE diversion_alerts SET published_at = now() WHERE id = ANY($1::uuid[])', [
          done,
        ]);
    }
    return rows.length;
  }

  /**
   * Resolves the published alerts whose window has ended: the notifier then stops reminding of them, and the next
   * window's violation is a new alert. Run periodically; marking after the publish means a failure resolves again.
   */
  async resolveEnded(sink: AlertSink, now = new Date(), limit = 100): Promise<number> {
    const { rows } = await this.pool.query<AlertRow & { violations: number; last_at: Date }>(
      `SELECT id, alert_key, rule_id, rule_version, rule_name, rule_type, subject_kind, subject, window_start,
              window_end, first_at, last_at, violations, detail, orders
         FROM diversion_alerts
        WHERE published_at IS NOT NULL AND resolved_at IS NULL AND window_end <= $1
        ORDER BY window_end LIMIT $2`,
      [now, limit],
    );
    for (const row of rows) {
      const { notice } = alertOf(row);
      await sink.resolve({
        ...notice,
        summary: `The window of 串货 rule ${row.rule_id} "${row.rule_name}" for ${row.subject_kind} ${row.subject} ended at ${row.window_end.toISOString()}: ${row.violations} violating order(s), the last at ${row.last_at.toISOString()}. The trace stays in GET /v1/diversion/alerts.`,
        at: row.window_end,
        eventId: undefined,
      });
      await this.pool.query('UPDATE diversion_alerts SET resolved_at = now() WHERE id = $1', [row.id]);
    }
    return rows.length;
  }

  /** Deletes what is past its retention: volume observations after 8 days, notices and alerts after `retainMs`. */
  async purge(retainMs: number, now = new Date()): Promise<void> {
    await this.pool.query('DELETE FROM diversion_volume WHERE at < $1', [
      new Date(now.getTime() - VOLUME_RETENTION_MS),
    ]);
    const before = new Date(now.getTime() - retainMs);
    await this.pool.query('DELETE FROM diversion_processed WHERE processed_at < $1', [before]);
    await this.pool.query('DELETE FROM diversion_alerts WHERE first_at < $1 AND published_at IS NOT NULL', [
      before,
    ]);
  }
}

const priceKey = (channel: string, sku: string) => `${channel}\u0000${sku}`;

/** One alert key's share of a batch: the violation that opened it here and every order that broke it. */
interface PendingAlert {
  key: string;
  v: Violation;
  orders: ObservedOrder[];
  trace: TraceOrder[];
}

interface AlertRow {
  id: string;
  alert_key: string;
  rule_id: string;
  rule_version: number;
  rule_name: string;
  rule_type: RuleType;
  subject_kind: SubjectKind;
  subject: string;
  window_start: Date;
  window_end: Date;
  first_at: Date;
  detail: Pick<Violation, 'floorFen' | 'allowed' | 'count' | 'max' | 'measure'>;
  orders: TraceOrder[];
}

function alertOf(row: AlertRow) {
  const v: Violation = {
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    ruleName: row.rule_name,
    type: row.rule_type,
    subjectKind: row.subject_kind,
    subject: row.subject,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    ...row.detail,
  };
  // The order that opened the alert: a volume trace ends with it, a price or region trace starts with it.
  const trigger = (row.rule_type === 'volume' ? row.orders[row.orders.length - 1] : row.orders[0])!;
  return {
    notice: {
      kind: 'DIVERSION_SUSPECTED' as const,
      key: row.alert_key,
      severity: 'warning' as const,
      summary: describeViolation(v, row.orders),
      labels: traceLabels(v, trigger),
      at: row.first_at,
      eventId: row.id,
    },
  };
}
