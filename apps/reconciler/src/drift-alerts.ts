import type { Queryable } from '@libs/database';
import type { AlertNotice, AlertSink } from '@libs/messaging';

/** Where the truth check's items are filed (`channel = '*'`): the read model against the event store. */
const READ_MODEL_CHANNEL = '*';
const READ_MODEL_KEY = 'read-model';

export interface ChannelDrift {
  channel: string;
  differences: number;
  /** Of them, the ones the run left for a person: reported, refused by the platform, or not pushed. */
  unresolved: number;
}

/** Actions after which the listing is (or is on its way to being) right again. */
const FIXED_ACTIONS = ['corrected', 'queued', 'superseded'];

/** Differences per channel of one run, from reconciliation_items. */
export async function driftOfRun(db: Queryable, runId: number): Promise<ChannelDrift[]> {
  const { rows } = await db.query<{ channel: string; differences: string; unresolved: string }>(
    `SELECT channel, count(*) AS differences, count(*) FILTER (WHERE NOT (action = ANY($2))) AS unresolved
       FROM reconciliation_items WHERE run_id = $1 GROUP BY channel ORDER BY channel`,
    [runId, FIXED_ACTIONS],
  );
  return rows.map((r) => ({
    channel: r.channel,
    differences: Number(r.differences),
    unresolved: Number(r.unresolved),
  }));
}

/**
 * STOCK_DRIFT per channel after a run: raised for each channel with differences, resolved for each reconciled
 * channel (and the read model, when the truth check ran) that had none. The notifier sends one message per
 * crossing, so a channel that drifts night after night is one alert, reminded while it lasts.
 */
export function driftAlerts(
  runId: number,
  drift: readonly ChannelDrift[],
  reconciled: readonly string[],
  truthChecked: boolean,
  at: Date,
): { raise: AlertNotice[]; resolve: AlertNotice[] } {
  const keyOf = (channel: string) => (channel === READ_MODEL_CHANNEL ? READ_MODEL_KEY : channel);
  const raise = drift
    .filter((d) => d.differences > 0)
    .map((d): AlertNotice => {
      const what =
        d.channel === READ_MODEL_CHANNEL ? 'between the read model and the event store' : `on ${d.channel}`;
      return {
        kind: 'STOCK_DRIFT',
        key: keyOf(d.channel),
        // The read model disagreeing with the events, or a difference nobody fixed, needs a person.
        severity: d.channel === READ_MODEL_CHANNEL || d.unresolved > 0 ? 'critical' : 'warning',
        summary:
          `Reconciliation run ${runId} found ${d.differences} difference(s) ${what}; ` +
          `${d.differences - d.unresolved} corrected or queued, ${d.unresolved} left for a person ` +
          `(GET /v1/reconciliations/${runId}/items on the reconciler).`,
        labels: {
          run_id: String(runId),
          differences: String(d.differences),
          unresolved: String(d.unresolved),
        },
        at,
      };
    });
  const drifted = new Set(drift.filter((d) => d.differences > 0).map((d) => d.channel));
  const clean = [...reconciled, ...(truthChecked ? [READ_MODEL_CHANNEL] : [])].filter((c) => !drifted.has(c));
  const resolve = clean.map((channel): AlertNotice => ({
    kind: 'STOCK_DRIFT',
    key: keyOf(channel),
    severity: 'info',
    summary: `Reconciliation run ${runId} found no difference ${channel === READ_MODEL_CHANNEL ? 'between the read model and the event store' : `on ${channel}`}.`,
    labels: { run_id: String(runId) },
    at,
  }));
  return { raise, resolve };
}

/** Publishes a run's drift alerts; resolves once all are on the topic (rejects on the first failure). */
export async function reportDrift(
  sink: AlertSink,
  db: Queryable,
  runId: number,
  reconciled: readonly string[],
  truthChecked: boolean,
  at: Date,
): Promise<number> {
  const { raise, resolve } = driftAlerts(runId, await driftOfRun(db, runId), reconciled, truthChecked, at);
  for (const a of raise) await sink.raise(a);
  for (const a of resolve) await sink.resolve(a);
  return raise.length;
}
