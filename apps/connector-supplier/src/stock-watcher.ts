import type { Queryable } from '@libs/database';
import type { CatalogueItem, StockNotice, SupplierClient, SupplierConfig } from '@libs/suppliers';
import type { Logger } from 'pino';
import { observationRequest, type LaneRequest } from './lane-requests';
import type { SupplierMetrics } from './supplier-metrics';

interface LinkRow {
  sku: string;
  product_id: string;
  stock: string | null;
  on_sale: boolean;
  supply_price: string | null;
  observed_at: Date | null;
  taken_since_report: string;
}

/** What a product's report is, as ObserveSupplierStock carries it. */
interface Report {
  productId: string;
  stock: number | null;
  supplyPrice: number | null;
  onSale: boolean;
  observedAt: number;
}

export interface StockWatcherOptions {
  /** How often suppliers are checked for SKUs linked to them and never reported (polled at once). */
  newLinkCheckMs: number;
  now?: () => number;
}

/**
 * Keeps supplier-backed SKUs on what their suppliers hold: each supplier's catalogue is polled at its own
 * frequency (pollIntervalMs: the suppliers without notices), its signed notices are taken as they come, and a SKU
 * newly linked to a supplier is polled for at once. Every report of a product goes to each SKU that resells it
 * (table sku_suppliers, the projector's), as ObserveSupplierStock on the SKU's lane; a report that says what the
 * SKU holds already is not sent.
 */
export class StockWatcher {
  private readonly timers: NodeJS.Timeout[] = [];
  /** sku_suppliers is the projector's: until its migrations ran, no SKU is linked to any supplier. */
  private linksTable = false;
  private readonly polling = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(
    private readonly db: Queryable,
    private readonly suppliers: readonly SupplierConfig[],
    private readonly clients: ReadonlyMap<string, SupplierClient>,
    private readonly publish: (requests: LaneRequest[]) => Promise<void>,
    private readonly options: StockWatcherOptions,
    private readonly logger: Logger,
    private readonly metrics?: SupplierMetrics,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    for (const supplier of this.suppliers) {
      const timer = setInterval(() => void this.poll(supplier.id), supplier.pollIntervalMs);
      timer.unref();
      this.timers.push(timer);
      void this.poll(supplier.id);
    }
    const newLinks = setInterval(() => void this.pollNewLinks(), this.options.newLinkCheckMs);
    newLinks.unref();
    this.timers.push(newLinks);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.polling.values()]);
  }

  /** Polls one supplier's whole catalogue (one poll at a time per supplier: a second call joins the first). */
  poll(supplierId: string): Promise<void> {
    const running = this.polling.get(supplierId);
    if (running) return running;
    const run = this.pollOnce(supplierId).finally(() => this.polling.delete(supplierId));
    this.polling.set(supplierId, run);
    return run;
  }

  private async pollOnce(supplierId: string): Promise<void> {
    const client = this.clients.get(supplierId);
    if (!client) return;
    try {
      const links = await this.links(supplierId);
      if (links.size === 0) return;
      for await (const page of client.cataloguePages()) {
        const observedAt = this.now();
        await this.send(
          supplierId,
          links,
          page.items.map((item) => reportOf(item, observedAt)),
          'poll',
        );
      }
      this.metrics?.polls.inc({ supplier: supplierId, result: 'ok' });
    } catch (error) {
      this.metrics?.polls.inc({ supplier: supplierId, result: 'failed' });
      this.logger.warn(
        { err: error, supplier: supplierId },
        'supplier catalogue poll failed; polled again at the next interval',
      );
    }
  }

  /** A supplier's signed notices (already verified): each report to the SKUs reselling its product. */
  async onNotices(supplierId: string, notices: readonly StockNotice[]): Promise<number> {
    // Only the products the notices name: reading every link of the supplier per notice made the cost of a notice
    // grow with the supplier's catalogue (bench/supplier-stock.bench.ts).
    const links = await this.links(supplierId, [...new Set(notices.map((n) => n.productId))]);
    const reports = notices.map((n) => ({
      productId: n.productId,
      stock: n.stock,
      supplyPrice: n.supplyPrice,
      onSale: n.status === 'on_sale',
      observedAt: Date.parse(n.at),
      source: `notice-${n.noticeId}`,
    }));
    return this.send(supplierId, links, reports, 'notice');
  }

  private async pollNewLinks(): Promise<void> {
    try {
      if (!(await this.hasLinksTable())) return;
      const { rows } = await this.db.query<{ supplier_id: string }>(
        `SELECT DISTINCT supplier_id FROM sku_suppliers WHERE observed_at IS NULL`,
      );
      await Promise.all(rows.map((r) => this.poll(r.supplier_id)));
    } catch (error) {
      this.logger.warn({ err: error }, 'looking for newly linked supplier SKUs failed');
    }
  }

  /** Product id → the SKUs reselling it and what each last heard: every product, or only `productIds`. */
  private async links(supplierId: string, productIds?: readonly string[]): Promise<Map<string, LinkRow[]>> {
    if (!(await this.hasLinksTable())) return new Map();
    const { rows } = await this.db.query<LinkRow>(
      `SELECT sku, product_id, stock, on_sale, supply_price, observed_at, taken_since_report
         FROM sku_suppliers WHERE supplier_id = $1 AND ($2::text[] IS NULL OR product_id = ANY($2::text[]))`,
      [supplierId, productIds ?? null],
    );
    const links = new Map<string, LinkRow[]>();
    for (const row of rows) {
      const list = links.get(row.product_id);
      if (list) list.push(row);
      else links.set(row.product_id, [row]);
    }
    return links;
  }

  private async hasLinksTable(): Promise<boolean> {
    if (this.linksTable) return true;
    const { rows } = await this.db.query<{ present: boolean }>(
      `SELECT to_regclass('sku_suppliers') IS NOT NULL AS present`,
    );
    this.linksTable = rows[0]?.present === true;
    return this.linksTable;
  }

  private async send(
    supplierId: string,
    links: ReadonlyMap<string, LinkRow[]>,
    reports: readonly (Report & { source?: string })[],
    source: 'poll' | 'notice',
  ): Promise<number> {
    const requests: LaneRequest[] = [];
    const at = this.now();
    for (const report of reports) {
      for (const link of links.get(report.productId) ?? []) {
        if (source === 'poll' && holdsAlready(link, report)) continue;
        const { source: from, ...observation } = report;
        requests.push(observationRequest(link.sku, { supplierId, ...observation }, from ?? source, at));
      }
    }
    if (requests.length > 0) await this.publish(requests);
    this.metrics?.observations.inc({ supplier: supplierId, source }, requests.length);
    return requests.length;
  }
}

function reportOf(item: CatalogueItem, observedAt: number): Report {
  return {
    productId: item.productId,
    stock: item.stock,
    supplyPrice: item.supplyPrice,
    onSale: item.status === 'on_sale',
    observedAt,
  };
}

/** The SKU's row says this already, and nothing taken since waits for a report to count it. */
function holdsAlready(link: LinkRow, report: Report): boolean {
  return (
    link.observed_at !== null &&
    Number(link.taken_since_report) === 0 &&
    (link.stock === null ? null : Number(link.stock)) === report.stock &&
    (link.supply_price === null ? null : Number(link.supply_price)) === report.supplyPrice &&
    link.on_sale === report.onSale
  );
}
