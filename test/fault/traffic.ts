import { channelEventsOf, signedHeaders, type OrderStatus } from '@libs/channels';
import { orderKey } from '@libs/inventory';
import type { WebhookTarget } from '@libs/platform-simulators';
import type { ObservedHistory } from '@libs/testing';

export const CHANNELS = ['taobao', 'pinduoduo', 'miniprogram', 'shop'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Line {
  sku: string;
  quantity: number;
}

/** One notice as the generator sent it: every attempt until the connector acknowledged it (or the bound ran out). */
export interface SentNotice {
  channel: Channel;
  orderId: string;
  status: OrderStatus;
  lines: Line[];
  firstSentAt: number;
  ackedAt?: number;
  attempts: number;
  /** The last refusal, when never acknowledged. */
  lastAnswer?: string;
  /** The channel events the connector publishes for it (their ids are derived from the notice). */
  eventIds: string[];
}

export interface TrafficOptions {
  orders: number;
  ratePerSecond: number;
  skus: readonly { sku: string; maxPerLine: number }[];
  seed: number;
  /** Where a channel's notices go; resolved at every attempt (a restarted connector keeps its URL). */
  target: (channel: Channel) => WebhookTarget;
  /** Share of orders paid and cancelled after placement; the rest stay placed (held). */
  paidShare?: number;
  cancelledShare?: number;
  /** How long a platform keeps re-sending a refused notice before the run counts it as never delivered. */
  giveUpAfterMs?: number;
}

/** Notice bodies in each platform's own shape. */
function body(channel: Channel, orderId: string, status: OrderStatus, lines: Line[]): unknown {
  switch (channel) {
    case 'taobao':
      return {
        topic: 'taobao_trade_TradeChanged',
        content: {
          tid: orderId,
          status: { placed: 'WAIT_BUYER_PAY', paid: 'WAIT_SELLER_SEND_GOODS', cancelled: 'TRADE_CLOSED' }[
            status
          ],
          orders: lines.map((l) => ({ outer_sku_id: l.sku, num: l.quantity })),
        },
      };
    case 'pinduoduo':
      return {
        type: {
          placed: 'pdd_trade_TradeCreate',
          paid: 'pdd_trade_TradeBuyerPay',
          cancelled: 'pdd_trade_TradeClose',
        }[status],
        order_sn: orderId,
        item_list: lines.map((l) => ({ outer_id: l.sku, goods_count: l.quantity })),
      };
    case 'miniprogram':
      return {
        Event: {
          placed: 'open_product_order_new',
          paid: 'open_product_order_pay',
          cancelled: 'open_product_order_cancel',
        }[status],
        order_info: {
          order_id: orderId,
          product_infos: lines.map((l) => ({ out_sku_id: l.sku, sku_cnt: l.quantity })),
        },
      };
    case 'shop':
      return { type: `order.${status}`, orderId, lines };
  }
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Bounded order traffic from the four platforms: each order is placed, then (after a short, seeded pause) paid
 * or cancelled, or left open. Notices are signed webhooks; a refused or unanswered notice is sent again with
 * capped backoff, as the platforms do, until acknowledged or `giveUpAfterMs` has passed.
 */
export class Traffic {
  readonly notices: SentNotice[] = [];
  private readonly random: () => number;
  private readonly runId: string;
  private stopped = false;

  constructor(private readonly options: TrafficOptions) {
    this.random = mulberry32(options.seed);
    this.runId = String(options.seed % 100_000).padStart(5, '0');
  }

  private running?: Promise<void>;

  /** Sends the whole bounded load; resolves once every notice is acknowledged or given up. */
  run(): Promise<void> {
    this.running ??= this.send();
    return this.running;
  }

  /** Resolves when the load has been sent (after `run`). */
  whenDone(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async send(): Promise<void> {
    const { orders, ratePerSecond } = this.options;
    const started = Date.now();
    const flows: Promise<void>[] = [];
    for (let i = 0; i < orders && !this.stopped; i++) {
      const due = started + (i * 1000) / ratePerSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      flows.push(this.order(i));
    }
    await Promise.all(flows);
  }

  /** Ends the load early (a failing test's teardown): no new orders, pending resends stop. */
  stop(): void {
    this.stopped = true;
  }

  acked(status?: OrderStatus): SentNotice[] {
    return this.notices.filter(
      (n) => n.ackedAt !== undefined && (status === undefined || n.status === status),
    );
  }

  unacknowledged(): SentNotice[] {
    return this.notices.filter((n) => n.ackedAt === undefined);
  }

  /** Paid order lines the platforms announced and had acknowledged: each must get an outcome. */
  paidOrdersSent(): ObservedHistory['paidOrdersSent'] {
    return this.acked('paid').flatMap((n) =>
      n.lines.map((l) => ({
        channel: n.channel,
        orderId: n.orderId,
        orderKey: orderKey(n.channel, n.orderId),
        sku: l.sku,
        quantity: l.quantity,
      })),
    );
  }

  private orderId(channel: Channel, i: number): string {
    const n = `${this.runId}${String(i).padStart(5, '0')}`;
    switch (channel) {
      case 'taobao':
        return String(3_000_000_000_000 + Number(n));
      case 'pinduoduo':
        return `261130-${n}`;
      case 'miniprogram':
        return `37${n}`;
      case 'shop':
        return `SO-${n}`;
    }
  }

  private async order(i: number): Promise<void> {
    const { skus, paidShare = 0.6, cancelledShare = 0.25 } = this.options;
    const channel = CHANNELS[i % CHANNELS.length];
    const orderId = this.orderId(channel, i);
    const first = skus[Math.floor(this.random() * skus.length)];
    const lines: Line[] = [{ sku: first.sku, quantity: 1 + Math.floor(this.random() * first.maxPerLine) }];
    if (this.random() < 0.2) {
      const second = skus[Math.floor(this.random() * skus.length)];
      if (second.sku !== first.sku)
        lines.push({ sku: second.sku, quantity: 1 + Math.floor(this.random() * second.maxPerLine) });
    }
    const roll = this.random();
    const next: OrderStatus | undefined =
      roll < paidShare ? 'paid' : roll < paidShare + cancelledShare ? 'cancelled' : undefined;
    const pauseMs = 200 + Math.floor(this.random() * 1500);
    if (!(await this.notice(channel, orderId, 'placed', lines)) || !next) return;
    await new Promise((r) => setTimeout(r, pauseMs));
    await this.notice(channel, orderId, next, lines);
  }

  private async notice(
    channel: Channel,
    orderId: string,
    status: OrderStatus,
    lines: Line[],
  ): Promise<boolean> {
    const sent: SentNotice = {
      channel,
      orderId,
      status,
      lines,
      firstSentAt: Date.now(),
      attempts: 0,
      eventIds: channelEventsOf({ channel, orderId, status, lines }, 0, 1000).map((e) => e.eventId!),
    };
    this.notices.push(sent);
    const giveUpAt = sent.firstSentAt + (this.options.giveUpAfterMs ?? 180_000);
    for (let delay = 250; !this.stopped && Date.now() < giveUpAt; delay = Math.min(delay * 2, 3_000)) {
      sent.attempts += 1;
      try {
        const answer = await post(this.options.target(channel), body(channel, orderId, status, lines));
        if (answer.status === 200) {
          sent.ackedAt = Date.now();
          return true;
        }
        sent.lastAnswer = `${answer.status} ${JSON.stringify(answer.json)}`;
        // A signed notice the connector calls unreadable is a bug in this generator or the parser: never resend.
        if (answer.status === 400 || answer.status === 401) return false;
      } catch (err) {
        sent.lastAnswer = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, delay * (0.5 + this.random() / 2)));
    }
    return false;
  }
}

/** A signed POST as the platform sends it, with a bound on the wait: a platform gives up on a hung endpoint too. */
async function post(target: WebhookTarget, payload: unknown): Promise<{ status: number; json: unknown }> {
  const text = JSON.stringify(payload);
  const response = await fetch(new URL(target.path, target.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signedHeaders(target.secret, 'POST', target.path, text, Date.now()),
    },
    body: text,
    signal: AbortSignal.timeout(15_000),
  });
  const raw = await response.text();
  try {
    return { status: response.status, json: JSON.parse(raw) };
  } catch {
    return { status: response.status, json: raw };
  }
}
