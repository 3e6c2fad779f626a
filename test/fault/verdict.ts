import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkHistory, type Violation } from '@libs/testing';
import { collectHistory, type CollectedHistory } from '../../libs/testing/src/history/collect';
import { collectEventStore } from '../../libs/testing/src/history/collect-event-store';
import { listedQuantity } from '../../libs/testing/src/history/collect-platforms';
import { outcomesOf, readWholeTopic } from '../../libs/testing/src/history/collect-topics';
import type { FaultStack } from './fault-stack';
import { type Channel, CHANNELS, type Traffic } from './traffic';

/** What a scenario measured, as docs/reliability.md reports it. */
export interface ScenarioResult {
  scenario: string;
  notices: number;
  paidLines: number;
  deadLetters: number;
  /** Acknowledged notices never answered, paid lines without an outcome, allocated keys never delivered, notices never accepted. */
  lost: number;
  /** Orders decided twice, keys to two orders or delivered twice, oversells. */
  doubled: number;
  /** Cards a platform was handed again for the same order (a retry after a lost answer; the buyer got one). */
  repeatedDeliveries: number;
  /** How long the fault lasted (a restart included). */
  faultSeconds: number;
  /** From the end of the fault until every notice sent before that end had its outcome. */
  recoverySeconds: number;
  /** The longest any notice of the scenario waited, from its first sending to its answer (resends included). */
  longestWaitSeconds: number;
  /** From the end of the fault until listings, projector and deliveries had all caught up. */
  convergedSeconds: number;
  violations: string[];
  /** The dead letters of this scenario: consumer group, reason code and reason. */
  deadLetterReasons: string[];
}

const poll = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each step of the settling, for the failure message: which condition was still false, and why. */
export async function until(
  label: string,
  deadline: number,
  probe: () => Promise<string | undefined>,
): Promise<void> {
  let last = '';
  while (Date.now() < deadline) {
    try {
      const pending = await probe();
      if (pending === undefined) return;
      last = pending;
    } catch (err) {
      last = (err as Error).message;
    }
    await poll(1_000);
  }
  throw new Error(`not settled: ${label}: ${last}`);
}

/**
 * Waits (bounded) until the run has come to rest: the traffic has ended, every acknowledged notice is answered,
 * the projector has reached every stream's version, every platform lists its target, and no delivery is pending.
 */
export async function settle(
  stack: FaultStack,
  traffic: Traffic,
  trafficDone: Promise<void>,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    trafficDone,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `not settled: traffic still running (${traffic.unacknowledged().length} notices unacknowledged)`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
    }),
  ]).finally(() => clearTimeout(timer));
  await until('answers to acknowledged notices', deadline, async () => {
    const answered = new Set(
      outcomesOf(await readWholeTopic(stack.brokers, `${stack.prefix}stock.order-outcomes`)).map(
        (o) => o.correlationId,
      ),
    );
    const missing = traffic.acked().filter((n) => n.eventIds.some((id) => !answered.has(id)));
    return missing.length === 0
      ? undefined
      : `${missing.length} unanswered, e.g. ${missing[0].channel} ${missing[0].orderId} ${missing[0].status}`;
  });
  await until('projector at every stream version', deadline, async () => {
    const { rows } = await stack.db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM event_streams e LEFT JOIN sku_stock s ON e.stream_id = 'sku-' || s.sku
        WHERE e.stream_id LIKE 'sku-%' AND (s.version IS NULL OR s.version::bigint < e.version)`,
    );
    return rows[0].n === '0' ? undefined : `${rows[0].n} SKUs behind`;
  });
  await listingsConverged(stack, deadline);
  await until('no pending delivery', deadline, async () => {
    const { rows } = await stack.db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM card_key_deliveries WHERE state = 'pending'`,
    );
    return rows[0].n === '0' ? undefined : `${rows[0].n} keys pending`;
  });
  return Date.now();
}

/** Every platform lists, for every SKU, the channel policy applied to the event store's truth. */
export async function listingsConverged(
  stack: FaultStack,
  deadline: number,
  channels: readonly Channel[] = CHANNELS,
): Promise<void> {
  await until(`${channels.join(', ')} listings equal to targets`, deadline, async () => {
    const { targets } = await collectEventStore(stack.db.pool);
    const off: string[] = [];
    for (const [sku, perChannel] of targets)
      for (const c of channels)
        if (perChannel[c] !== undefined && listedQuantity(stack.platforms[c], sku) !== perChannel[c])
          off.push(`${c} ${sku} ${listedQuantity(stack.platforms[c], sku)}≠${perChannel[c]}`);
    return off.length === 0 ? undefined : off.slice(0, 5).join(', ');
  });
}

/** A loss the oracle does not see: something acknowledged or allocated that then went nowhere. */
export interface Loss {
  rule: 'NOTICE_NEVER_ACCEPTED' | 'NOTICE_UNANSWERED' | 'KEY_NOT_DELIVERED' | 'DELIVERY_NOT_DONE';
  detail: string;
}

function deliveryLosses(collected: CollectedHistory): Loss[] {
  const out: Loss[] = [];
  const delivered = new Set(collected.history.deliveries.map((d) => `${d.orderKey}\u0000${d.unitId}`));
  for (const a of collected.history.allocations)
    if (!a.loop && !delivered.has(`${a.orderKey}\u0000${a.unitId}`))
      out.push({
        rule: 'KEY_NOT_DELIVERED',
        detail: `unit ${a.unitId} allocated to ${a.orderKey} and never delivered`,
      });
  for (const row of collected.ledger)
    if (row.state !== 'delivered')
      out.push({
        rule: 'DELIVERY_NOT_DONE',
        detail: `ledger ${row.channel} ${row.orderId} ${row.unitId} ${row.state} (${row.lastError})`,
      });
  return out;
}

function noticeLosses(collected: CollectedHistory, traffic: Traffic): Loss[] {
  const out: Loss[] = [];
  for (const n of traffic.unacknowledged())
    out.push({
      rule: 'NOTICE_NEVER_ACCEPTED',
      detail: `${n.channel} ${n.orderId} ${n.status} never accepted after ${n.attempts} attempts: ${n.lastAnswer}`,
    });
  const answered = new Set(collected.outcomes.map((o) => o.correlationId));
  for (const n of traffic.acked())
    if (n.eventIds.some((id) => !answered.has(id)))
      out.push({
        rule: 'NOTICE_UNANSWERED',
        detail: `${n.channel} ${n.orderId} ${n.status} acknowledged and never answered`,
      });
  return out;
}

export interface Verdict {
  result: ScenarioResult;
  collected: CollectedHistory;
  /** The oracle's violations and the losses beside them. */
  violations: (Violation | Loss)[];
}

/** Collects the history, runs the oracle and the loss checks, and records the measured numbers. */
export async function judge(
  scenario: string,
  stack: FaultStack,
  traffic: Traffic,
  earlier: readonly Traffic[],
  times: { startedAt: number; faultStartedAt: number; faultEndedAt: number; settledAt: number },
  /** Violations an earlier scenario of the stack already reported (and failed on): not counted again. */
  reported: Set<string> = new Set(),
): Promise<Verdict> {
  const { startedAt, faultStartedAt, faultEndedAt, settledAt } = times;
  const all = [...earlier, traffic];
  // The whole run so far is judged: a later fault must not break what an earlier scenario left behind.
  const collected = await collectHistory({
    pool: stack.db.pool,
    brokers: stack.brokers,
    topicPrefix: stack.prefix,
    platforms: Object.values(stack.platforms),
    paidOrdersSent: all.flatMap((t) => t.paidOrdersSent()),
  });
  const fresh = <V extends Violation | Loss>(v: V) => !reported.has(`${v.rule}: ${v.detail}`);
  const oracle = checkHistory(collected.history).filter(fresh);
  const losses = [...all.flatMap((t) => noticeLosses(collected, t)), ...deliveryLosses(collected)].filter(
    fresh,
  );
  for (const v of [...oracle, ...losses]) reported.add(`${v.rule}: ${v.detail}`);
  const firstAnswer = new Map<string, number>();
  for (const o of collected.outcomes)
    firstAnswer.set(o.correlationId, Math.min(firstAnswer.get(o.correlationId) ?? Infinity, o.at));
  const answeredAt = traffic.notices
    .filter((n) => n.firstSentAt <= faultEndedAt)
    .flatMap((n) => n.eventIds.map((id) => firstAnswer.get(id) ?? Infinity))
    .filter(Number.isFinite);
  const result: ScenarioResult = {
    scenario,
    notices: traffic.notices.length,
    paidLines: traffic.paidOrdersSent().length,
    deadLetters: collected.deadLetters.filter((d) => d.at >= startedAt).length,
    lost: losses.length + oracle.filter((v) => v.rule === 'PAID_WITHOUT_OUTCOME').length,
    doubled: oracle.filter((v) =>
      ['DECIDED_TWICE', 'KEY_TWO_ORDERS', 'KEY_DELIVERED_TWICE', 'OVERSOLD'].includes(v.rule),
    ).length,
    repeatedDeliveries: Object.values(stack.platforms)
      .flatMap((p) => p.deliveryLog)
      .filter((d) => d.duplicate && d.at >= startedAt).length,
    longestWaitSeconds: round(
      Math.max(
        0,
        ...traffic
          .acked()
          .map((n) => Math.max(...n.eventIds.map((id) => firstAnswer.get(id) ?? NaN)) - n.firstSentAt)
          .filter(Number.isFinite),
      ) / 1000,
    ),
    faultSeconds: round((faultEndedAt - faultStartedAt) / 1000),
    recoverySeconds: round(Math.max(0, Math.max(faultEndedAt, ...answeredAt) - faultEndedAt) / 1000),
    convergedSeconds: round(Math.max(0, settledAt - faultEndedAt) / 1000),
    violations: [...oracle, ...losses].map((v) => `${v.rule}: ${v.detail}`).slice(0, 50),
    deadLetterReasons: collected.deadLetters
      .filter((d) => d.at >= startedAt)
      .map((d) => `${d.consumerGroup} ${d.reasonCode}: ${d.reason.slice(0, 200)}`)
      .slice(0, 20),
  };
  record(result);
  return { result, collected, violations: [...oracle, ...losses] };
}

const round = (x: number) => Math.round(x * 10) / 10;

/** One JSON line per scenario run under .cache/fault-results, the source of the figures in docs/reliability.md. */
function record(result: ScenarioResult): void {
  const dir = join(__dirname, '..', '..', '.cache', 'fault-results');
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, 'results.jsonl'),
    `${JSON.stringify({ at: new Date().toISOString(), ...result })}\n`,
  );
  // Printed too, so a CI log carries the numbers.
  process.stdout.write(
    `fault result ${JSON.stringify({ ...result, violations: result.violations.length, deadLetterReasons: result.deadLetterReasons.slice(0, 3) })}\n`,
  );
}

/** One line per violation or loss, for the failure message. */
export function formatViolations(violations: readonly (Violation | Loss)[]): string {
  return violations.map((v) => `${v.rule}: ${v.detail}`).join('\n');
}
