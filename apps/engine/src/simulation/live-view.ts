import type { Queryable } from '@libs/database';
import { SIMULATED_CHANNELS } from './catalogue';
import type { ChannelListings } from './channel-listings';
import type { TrafficStats } from './channel-traffic';

interface SkuRow {
  sku: string;
  on_hand: number;
  reserved: number;
  available: number;
  version: number;
}

/** The terminal view: per SKU the truth (from the read model) next to what each channel lists. */
export class LiveView {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly readModels: Queryable,
    private readonly listings: ChannelListings,
    private readonly stats: TrafficStats,
    private readonly rows = 15,
  ) {}

  start(intervalMs = 1000): void {
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
    const p = (q: number) => (lags.length ? `${lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]} ms` : '–');
    const s = this.stats;
    const lines = [
      `StockSync engine — ${new Date().toISOString()}   (Ctrl-C to stop)`,
      `orders placed ${s.placed}  accepted ${s.accepted}  rejected ${s.rejected}  paid ${s.paid}  cancelled ${s.cancelled}  left to expire ${s.abandoned}  restocks ${s.restocks}`,
      `sync lag, stock change → channel listing updated: p50 ${p(0.5)}  p99 ${p(0.99)}`,
      '',
      ['SKU', 'on hand', 'reserved', 'available', 'version', ...SIMULATED_CHANNELS].map((h, i) => (i === 0 ? h.padEnd(10) : h.padStart(13))).join(''),
      ...rows.map((r) =>
        [
          r.sku.padEnd(10),
          ...[r.on_hand, r.reserved, r.available, r.version].map((n) => String(n).padStart(13)),
          ...SIMULATED_CHANNELS.map((c) => String(this.listings.listed(c, r.sku)?.quantity ?? '–').padStart(13)),
        ].join(''),
      ),
    ];
    const out = process.stdout.isTTY ? `\x1b[2J\x1b[H${lines.join('\n')}\n` : `${lines.slice(0, 3).join(' | ')}\n`;
    process.stdout.write(out);
  }
}
