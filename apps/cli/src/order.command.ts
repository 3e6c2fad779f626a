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
