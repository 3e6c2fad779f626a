import type { MigrationSet } from '@libs/database';
import { reportViewBody } from './report-queries';

/**
 * The report views analysts query, and the indexes the reports' range queries need. They read the read models
 * (reservations' report columns come with read-models migration 8), so they run after that component, where the
 * analyst views run. The views are the reports over the whole history (stock turnover: the last 30 full UTC
 * days); the API and the CLI run the same SQL with their range and filters (report-queries.ts).
 *
 * The indexes are partial where they can be: the projector writes every reservation row, and an index that
 * leaves out the rows a report never reads costs it nothing on those.
 */
export const reportsMigrations: MigrationSet = {
  component: 'reports',
  migrations: [
    {
      version: 1,
      name: 'report views: sales per hour, stock turnover, repeat purchase, fulfilment time, order failures',
      up: `
-- Sales, repeat purchase and fulfilment time select order lines by the time they were paid, with or without a SKU.
CREATE INDEX IF NOT EXISTS reservations_paid_at_idx ON reservations (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS reservations_sku_paid_at_idx ON reservations (sku, paid_at) WHERE paid_at IS NOT NULL;
-- Order failures: rejections by the time they were decided, refunds by the time of the refund.
CREATE INDEX IF NOT EXISTS reservations_rejected_created_at_idx ON reservations (created_at)
  WHERE status = 'rejected';
CREATE INDEX IF NOT EXISTS reservations_refunded_at_idx ON reservations (refunded_at) WHERE refunded_at IS NOT NULL;
-- Stock turnover: each SKU's level before the range (the last movement before it) and its movements in time
-- order within it.
CREATE INDEX IF NOT EXISTS stock_movements_sku_occurred_at_idx ON stock_movements (sku, occurred_at, version);

CREATE VIEW report_sales_hourly AS
${reportViewBody('sales-hourly')};

CREATE VIEW report_stock_turnover_30d AS
${reportViewBody('stock-turnover')};

CREATE VIEW report_repeat_purchase_daily AS
${reportViewBody('repeat-purchase', 'day')};

CREATE VIEW report_repeat_purchase_weekly AS
${reportViewBody('repeat-purchase', 'week')};

CREATE VIEW report_repeat_purchase_monthly AS
${reportViewBody('repeat-purchase', 'month')};

CREATE VIEW report_fulfilment_time AS
${reportViewBody('fulfilment-time')};

CREATE VIEW report_order_failures AS
${reportViewBody('order-failures')};
`,
    },
  ],
};
