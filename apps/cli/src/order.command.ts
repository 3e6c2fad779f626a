import { requestJson } from './http-json';
import type { OperationsContext } from './operations.commands';

interface OrderStep {
  step: string;
  sku: string;
  at: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

/**
 * `order <channel> <id> [--sku <sku>]`: one order's history through the API (GET /v1/orders/:channel/:id), one
 * line per step on stderr, the whole answer as JSON on stdout.
 */
export async function showOrder(
  order: { channel: string; channelOrderId: string; sku?: string },
  c: OperationsContext,
): Promise<number> {
  const path = `/v1/orders/${encodeURIComponent(order.channel)}/${encodeURIComponent(order.channelOrderId)}`;
  const query = order.sku ? `?sku=${encodeURIComponent(order.sku)}` : '';
  const history = (await requestJson('GET', `${c.apiUrl}${path}${query}`, c.apiKey)) as {
    steps: OrderStep[];
  };
  for (const s of history.steps) {
    c.stderr.write(
      `${s.at}  ${s.sku}  ${s.step.padEnd(26)} ${s.actor ?? '-'}  ${JSON.stringify(s.detail)}\n`,
    );
  }
  c.stdout.write(`${JSON.stringify(history, null, 2)}\n`);
  return 0;
}

export const ORDER_ACTIONS = ['refund', 'redeliver', 'replace', 'release-hold'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

/**
 * `order refund|redeliver|release-hold <channel> <id>` and `order replace <channel> <id> <unit id>`, each with optional
 * `--sku` and `--note`: the operator's actions on one order (POST /v1/orders/:channel/:id/...). The outcome as JSON
 * on stdout; a refusal rejects with the API's stable code (exit 1).
 */
export async function runOrderAction(
  action: OrderAction,
  order: { channel: string; channelOrderId: string; unitId?: string; sku?: string; note?: string },
  c: OperationsContext,
): Promise<number> {
  const base = `/v1/orders/${encodeURIComponent(order.channel)}/${encodeURIComponent(order.channelOrderId)}`;
  const path =
    action === 'replace'
      ? `${base}/card-keys/${encodeURIComponent(order.unitId ?? '')}/replace`
      : `${base}/${action}`;
  const body = { ...(order.sku ? { sku: order.sku } : {}), ...(order.note ? { note: order.note } : {}) };
  const outcome = (await requestJson('POST', `${c.apiUrl}${path}`, c.apiKey, body)) as {
    sku: string;
    changed: boolean;
    events: { type: string; data: Record<string, unknown> }[];
  };
  c.stderr.write(
    `${order.channel}/${order.channelOrderId}  ${outcome.sku}  ${action}: ${outcome.changed ? outcome.events.map((e) => e.type).join(', ') : 'nothing changed (done before)'}\n`,
  );
  c.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  return 0;
}

/** `key redeem|void <sku> <unit id> [--note]`: 核销 or void one card key (POST /v1/skus/:sku/card-keys/:unit/...). */
export async function runKeyAction(
  action: 'redeem' | 'void',
  key: { sku: string; unitId: string; note?: string },
  c: OperationsContext,
): Promise<number> {
  const path = `/v1/skus/${encodeURIComponent(key.sku)}/card-keys/${encodeURIComponent(key.unitId)}/${action}`;
  const body = action === 'void' && key.note ? { note: key.note } : {};
  const outcome = (await requestJson('POST', `${c.apiUrl}${path}`, c.apiKey, body)) as { changed: boolean };
  c.stderr.write(
    `${key.sku}  ${key.unitId}  ${action}: ${outcome.changed ? 'done' : 'nothing changed (done before)'}\n`,
  );
  c.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  return 0;
}
