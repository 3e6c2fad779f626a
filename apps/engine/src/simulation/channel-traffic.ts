import { randomUUID } from 'node:crypto';
import {
  ChannelEventsTopic,
  OrderOutcomesTopic,
  type MessageBus,
  type OutgoingMessage,
} from '@libs/messaging';
import type { CardKeySource } from './card-key-supply';
import { SIMULATED_CHANNELS, simulatedCardKeys, type CatalogueSku } from './catalogue';
import type { ChannelListings } from './channel-listings';

type ChannelEvent = OutgoingMessage<typeof ChannelEventsTopic>;

export interface TrafficOptions {
  ordersPerSecond: number;
  /** Unpaid reservations lapse after this long (the expiry sweeper returns the stock). */
  reservationTtlMs: number;
  /** Deterministic runs for tests and demos. */
  seed?: number;
  /** Where restocked card keys come from (the vault in the engine, so they can be delivered). */
  cardKeys?: CardKeySource;
}

export interface TrafficStats {
  placed: number;
  accepted: number;
  rejected: number;
  paid: number;
  cancelled: number;
  abandoned: number;
  restocks: number;
  /** Card-key units the inventory allocated to paid orders (each must reach its buyer once). */
  keysAllocated: number;
}

/**
 * Buyers on four channels: orders for popular SKUs more often than for the rest (Zipf-like), most paid a moment
 * later, some cancelled, some abandoned to expire; restocks when a SKU runs low on every channel.
 */
export class ChannelTraffic {
  readonly stats: TrafficStats = {
    placed: 0,
    accepted: 0,
    rejected: 0,
    paid: 0,
    cancelled: 0,
    abandoned: 0,
    restocks: 0,
    keysAllocated: 0,
  };
  private timer?: NodeJS.Timeout;
  private readonly followUps = new Set<NodeJS.Timeout>();
  private readonly restocking = new Map<string, number>();
  private random: () => number;
  private readonly weights: number[];
  private stopped = false;

  constructor(
    private readonly bus: MessageBus,
    private readonly skus: CatalogueSku[],
    private readonly listings: ChannelListings,
    private readonly options: TrafficOptions,
  ) {
    this.random = mulberry32(options.seed ?? Date.now());
    const raw = skus.map((_, i) => 1 / (i + 1));
    const total = raw.reduce((a, b) => a + b, 0);
    let acc = 0;
    this.weights = raw.map((w) => (acc += w / total));
  }

  async attach(groupId = 'simulated-buyers'): Promise<void> {
    await this.bus.subscribe(OrderOutcomesTopic, groupId, async (batch) => {
      for (const { envelope } of batch.messages) {
        if (envelope.type === 'card-keys.allocated') {
          const p = envelope.payload;
          this.stats.keysAllocated += p.unitIds.length + (p.loopUnits ?? []).reduce((n, u) => n + u.count, 0);
          continue;
        }
        if (envelope.type !== 'order.accepted' && envelope.type !== 'order.rejected') continue;
        if (envelope.payload.answers !== 'order.placed') continue;
        if (envelope.type === 'order.rejected') {
          this.stats.rejected++;
          continue;
        }
        this.stats.accepted++;
        this.scheduleFollowUp(
          envelope.payload.channel,
          envelope.payload.channelOrderId,
          envelope.payload.sku,
        );
      }
    });
  }

  start(): void {
    const tickMs = 100;
    let carry = 0;
    this.timer = setInterval(() => {
      carry += (this.options.ordersPerSecond * tickMs) / 1000;
      const n = Math.floor(carry);
      carry -= n;
      const events: ChannelEvent[] = [];
      for (let i = 0; i < n; i++) events.push(this.order());
      events.push(...this.restocks());
      if (events.length > 0) void this.publish(events);
    }, tickMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of this.followUps) clearTimeout(t);
    this.followUps.clear();
  }

  private order(): ChannelEvent {
    const sku = this.pickSku();
    const channel = SIMULATED_CHANNELS[Math.floor(this.random() * SIMULATED_CHANNELS.length)];
    this.stats.placed++;
    return {
      type: 'order.placed',
      eventId: randomUUID(),
      payload: {
        channel,
        channelOrderId: `${channel}-${randomUUID().slice(0, 8)}`,
        sku: sku.sku,
        lines: [{ quantity: 1 + Math.floor(this.random() * 2) }],
        expiresAt: new Date(Date.now() + this.options.reservationTtlMs).toISOString(),
      },
    };
  }

  private scheduleFollowUp(channel: string, channelOrderId: string, sku: string): void {
    if (this.stopped) return;
    const roll = this.random();
    if (roll >= 0.9) {
      this.stats.abandoned++;
      return;
    }
    const paid = roll < 0.7;
    const t = setTimeout(
      () => {
        this.followUps.delete(t);
        if (paid) this.stats.paid++;
        else this.stats.cancelled++;
        void this.publish([
          paid
            ? { type: 'order.paid', eventId: randomUUID(), payload: { channel, channelOrderId, sku } }
            : {
                type: 'order.cancelled',
                eventId: randomUUID(),
                payload: { channel, channelOrderId, sku, note: 'buyer cancelled' },
              },
        ]);
      },
      300 + this.random() * 2500,
    );
    this.followUps.add(t);
  }

  /**
   * A SKU listed at 3 or less everywhere gets a delivery, at most one every 10 s. Counted stock goes out with the
   * tick; card keys are sealed into the vault first and go out on their own once that is done.
   */
  private restocks(): ChannelEvent[] {
    const now = Date.now();
    const out: ChannelEvent[] = [];
    for (const s of this.skus) {
      const listed = SIMULATED_CHANNELS.map((c) => this.listings.listed(c, s.sku)?.quantity);
      if (listed.some((q) => q === undefined || q > 3)) continue;
      if ((this.restocking.get(s.sku) ?? 0) > now - 10_000) continue;
      this.restocking.set(s.sku, now);
      this.stats.restocks++;
      const batchId = `restock-${now}`;
      const quantity = 20 + Math.floor(this.random() * 30);
      if (s.kind === 'cardKey') {
        void this.restockCardKeys(s.sku, batchId, quantity);
        continue;
      }
      out.push({
        type: 'stock.restocked',
        eventId: randomUUID(),
        payload: { sku: s.sku, batchId, quantity },
      });
    }
    return out;
  }

  private async restockCardKeys(sku: string, batchId: string, quantity: number): Promise<void> {
    const units = await (this.options.cardKeys ?? simulatedCardKeys)(sku, batchId, quantity).catch(() => []);
    if (units.length === 0) return;
    await this.publish([
      { type: 'stock.restocked', eventId: randomUUID(), payload: { sku, batchId, units } },
    ]);
  }

  private pickSku(): CatalogueSku {
    const r = this.random();
    const i = this.weights.findIndex((w) => r <= w);
    return this.skus[i < 0 ? this.skus.length - 1 : i];
  }

  private async publish(events: ChannelEvent[]): Promise<void> {
    if (this.stopped) return;
    await this.bus.publish(ChannelEventsTopic, events).catch(() => undefined);
  }
}

/** A small seeded PRNG: the same seed gives the same traffic. */
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
