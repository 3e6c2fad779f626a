import type { MigrationSet } from '@libs/database';

/**
 * The replenishment forecast's own tables (component 'replenishment', applied by the api at start). Daily sales are
 * not stored: they are read from the projector's stock_movements on each computation (daily-sales.ts).
 */
export const replenishmentMigrations: MigrationSet = {
  component: 'replenishment',
  migrations: [
    {
      version: 1,
      name: 'replenishment settings, forecasts and low-cover alerts',
      up: `
-- A SKU's own lead time and safety stock; a null column takes the default of the configuration
-- (REPLENISHMENT_LEAD_TIME_DAYS, REPLENISHMENT_SAFETY_STOCK_DAYS). Bounds as the API's.
CREATE TABLE replenishment_settings (
  sku                text        PRIMARY KEY,
  lead_time_days     integer     CHECK (lead_time_days BETWEEN 1 AND 365),
  safety_stock_units bigint      CHECK (safety_stock_units BETWEEN 0 AND 1000000000000),
  updated_by         text        NOT NULL,
  updated_at         timestamptz NOT NULL
);

-- Every change of those settings, with who made it.
CREATE TABLE replenishment_settings_changes (
  id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku                text        NOT NULL,
  lead_time_days     integer,
  safety_stock_units bigint,
  actor              text        NOT NULL,
  at                 timestamptz NOT NULL
);
CREATE INDEX replenishment_settings_changes_sku ON replenishment_settings_changes (sku, id);

-- The last computation for each counted SKU (quantity and card-key SKUs that are not endless), read by
-- GET /v1/replenishment. velocity: units a day; days_of_cover null when nothing sells.
CREATE TABLE replenishment_forecasts (
  sku                 text             PRIMARY KEY,
  available           bigint           NOT NULL,
  velocity            double precision NOT NULL CHECK (velocity >= 0),
  days_of_cover       double precision CHECK (days_of_cover >= 0),
  lead_time_days      integer          NOT NULL,
  safety_stock_units  bigint           NOT NULL,
  demand_over_cycle   double precision NOT NULL,
  reorder_units       bigint           NOT NULL CHECK (reorder_units >= 0),
  sold_last_28_days   bigint           NOT NULL,
  low_cover           boolean          NOT NULL,
  computed_at         timestamptz      NOT NULL
);
CREATE INDEX replenishment_forecasts_cover ON replenishment_forecasts (days_of_cover NULLS LAST, sku);

-- LOW_DAYS_OF_COVER per SKU: open from the computation that found cover below the lead time to the one that found
-- it back, so each episode is raised once and resolved once. episode counts the openings.
CREATE TABLE replenishment_alerts (
  sku            text             PRIMARY KEY,
  open           boolean          NOT NULL,
  episode        integer          NOT NULL,
  days_of_cover  double precision,
  lead_time_days integer          NOT NULL,
  raised_at      timestamptz      NOT NULL,
  resolved_at    timestamptz
);
`,
    },
  ],
};
