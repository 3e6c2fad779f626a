/** One card handed to a simulated platform, as its `/_sim/delivery-log` lists it (ids only, never a secret). */
interface DeliveryLogEntry {
  at: number;
  channel: string;
  orderId: string;
  unitId: string;
  /** The platform had already received this (order, unit): acknowledged, nothing new handed to the buyer. */
  duplicate: boolean;
}

export interface DeliveredKeysSummary {
  /** Keys the buyers received: first handovers of an (order, unit). */
  delivered: number;
  /** Orders that received at least one key. */
  orders: number;
  /** Keys handed to more than one order (on any platform): must stay 0. */
  deliveredTwice: number;
  /** Repeated calls for an (order, unit) already received (a retry after a lost answer); the buyer got nothing new. */
  repeatsAcknowledged: number;
}

/**
 * Counts the card keys the simulated buyers received from what the simulated platforms themselves recorded, not
 * from what the connectors believe they sent: each platform's delivery log, read over HTTP from its simulator.
 * A key counts as delivered twice when one unit reached two different orders.
 */
export class DeliveredKeys {
  /** unit id → the (channel, order) pairs it was handed to. */
  private readonly recipients = new Map<string, Set<string>>();
  private readonly orders = new Set<string>();
  private delivered = 0;
  private repeats = 0;
  /** Per platform: the newest `at` read, and how many entries with that `at` were already counted. */
  private readonly cursors = new Map<string, { at: number; seenAtLast: number }>();

  /** `platforms`: each simulated platform's base URL (its control routes answer on loopback only). */
  constructor(private readonly platforms: readonly string[]) {}

  /** Reads what each platform received since the last refresh; a platform that does not answer is read next time. */
  async refresh(): Promise<void> {
    await Promise.all(this.platforms.map((url) => this.read(url).catch(() => undefined)));
  }

  summary(): DeliveredKeysSummary {
    let twice = 0;
    for (const r of this.recipients.values()) if (r.size > 1) twice++;
    return {
      delivered: this.delivered,
      orders: this.orders.size,
      deliveredTwice: twice,
      repeatsAcknowledged: this.repeats,
    };
  }

  private async read(baseUrl: string): Promise<void> {
    const cursor = this.cursors.get(baseUrl) ?? { at: 0, seenAtLast: 0 };
    const res = await fetch(`${baseUrl}/_sim/delivery-log?since=${cursor.at}`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!res.ok) return;
    const { deliveries } = (await res.json()) as { deliveries: DeliveryLogEntry[] };
    // The log is append-only in arrival order and `since` is inclusive: the first entries stamped with the last
    // `at` read were counted already.
    const fresh = deliveries.slice(deliveries[0]?.at === cursor.at ? cursor.seenAtLast : 0);
    for (const d of fresh) {
      if (d.at === cursor.at) cursor.seenAtLast++;
      else {
        cursor.at = d.at;
        cursor.seenAtLast = 1;
      }
      if (d.duplicate) {
        this.repeats++;
        continue;
      }
      const order = `${d.channel}\u0000${d.orderId}`;
      const recipients = this.recipients.get(d.unitId) ?? new Set<string>();
      this.recipients.set(d.unitId, recipients);
      // The platform marks a repeat of the same (order, unit) itself; a second order for the unit is what counts.
      if (!recipients.has(order)) {
        recipients.add(order);
        this.delivered++;
      }
      this.orders.add(order);
    }
    this.cursors.set(baseUrl, cursor);
  }
}
