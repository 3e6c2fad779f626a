import type { Queryable } from '@libs/database';
import { SIMULATED_CHANNELS } from './catalogue';
import type { ChannelListings } from './channel-listings';
import type { TrafficStats } from './channel-traffic';
import type { DeliveredKeys } from './delivered-keys';
import type { PlatformListings } from './platform-listings';

interface SkuRow {
  sku: string;
  on_hand: number;
  reserved: number;
  available: number;
  version: number;
}

/**
 * The terminal view: per SKU the truth (from the read model) next to what each simulated platform lists, read
 * from the platform. A cell marked * is a platform that has not acknowledged its latest target yet (a push on
 * its way); the line above the table counts, per platform, the SKUs at their latest target. The card-key line
 * counts the keys the platforms received and checks that none reached two orders.
 */
export class LiveView {
  private timer?: NodeJS.Timeout;
  /** Terminal rows above the view that it leaves alone (the API URL and key, printed once). */
  private keepTop = 0;

  constructor(
    private readonly readModels: Queryable,
    private readonly listings: ChannelListings,
    private readonly platforms: PlatformListings,
    private readonly stats: TrafficStats,
    private readonly keys: DeliveredKeys,
    private readonly rows = 15,
  ) {}

  /** Redraws every `intervalMs` below the first `keepTop` rows of the terminal. */
  start(intervalMs = 1000, keepTop = 0): void {
    this.keepTop = keepTop;
    this.timer = setInterval(() => void this.render().catch(() => undefined), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async render(): Promise<void> {
    const { rows } = await this.readModels.query<SkuRow>(
      'SELECT sku, on_hand, reserved, available, version FROM sku_stock ORDER BY sku LIMIT $1',
      [this.rows],
    );
    const lags = [...this.listings.lags].sort((a, b) => a - b);
    const p = (q: number) =>
      lags.length ? `${lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]} ms` : '–';
    const s = this.stats;
    const skus = rows.map((r) => r.sku);
    await Promise.all([this.platforms.refresh(), this.keys.refresh()]);
    const k = this.keys.summary();
    const { inStep, oldestWaitingMs } = this.platforms.compare(SIMULATED_CHANNELS, skus, this.listings);
    const inStepText = SIMULATED_CHANNELS.map((c) => `${c} ${inStep.get(c)}/${skus.length}`).join('  ');
    const cell = (channel: string, sku: string) => {
      const shown = this.platforms.shown(channel, sku);
      if (shown === undefined) return '–';
      return this.platforms.acknowledged(channel, sku, this.listings) ? String(shown) : `${shown}*`;
    };
    const lines = [
      `StockSync engine — ${new Date().toISOString()}   (Ctrl-C to stop)`,
      `orders placed ${s.placed}  accepted ${s.accepted}  rejected ${s.rejected}  paid ${s.paid}  cancelled ${s.cancelled}  left to expire ${s.abandoned}  restocks ${s.restocks}`,
      `sync lag, stock change → target at the connector: p50 ${p(0.5)}  p99 ${p(0.99)}`,
      `platforms at their latest target: ${inStepText}   oldest push still on its way: ${oldestWaitingMs} ms`,
      `card keys: allocated ${s.keysAllocated}  delivered ${k.delivered} to ${k.orders} orders  delivered twice ${k.deliveredTwice}${k.deliveredTwice > 0 ? ' (!)' : ''}  (as the platforms received them)`,
      '',
      ['SKU', 'on hand', 'reserved', 'available', 'version', ...SIMULATED_CHANNELS]
        .map((h, i) => (i === 0 ? h.padEnd(10) : h.padStart(13)))
        .join(''),
      ...rows.map((r) =>
        [
          r.sku.padEnd(10),
          ...[r.on_hand, r.reserved, r.available, r.version].map((n) => String(n).padStart(13)),
          ...SIMULATED_CHANNELS.map((c) => cell(c, r.sku).padStart(13)),
        ].join(''),
      ),
    ];
    // On a terminal: back to the first row below the kept lines, clear to the end, draw. Elsewhere (a pipe, a
    // log file) one line per render, without the table.
    const out = process.stdout.isTTY
      ? `\x1b[${this.keepTop + 1};1H\x1b[J${lines.join('\n')}\n`
      : `${lines.slice(0, 5).join(' | ')}\n`;
    process.stdout.write(out);
  }
}
