import type { MigrationSet } from '@libs/database';

/**
 * Views for the questions analysts ask most. They read the read models, the connectors' push state and the
 * reconciliation report, so they are created after those components' own migrations.
 */
export const analystViewsMigrations: MigrationSet = {
  component: 'analyst-views',
  migrations: [
    {
      version: 1,
      name: 'stock per channel, movements per day, reconciliation differences',
      up: `
CREATE VIEW stock_per_channel_now AS
SELECT cs.channel,
       cs.sku,
       ss.on_hand,
       ss.reserved,
       ss.available,
       cs.target               AS target,
       cs.target_version       AS target_version,
       ps.last_acked_quantity  AS last_acknowledged,
       ps.last_acked_version   AS last_acknowledged_version,
       ps.last_acked_at        AS last_acknowledged_at,
       ps.last_error_code      AS last_error_code,
       (ps.last_acked_version IS NOT DISTINCT FROM cs.target_version) AS in_sync
  FROM channel_stock cs
  JOIN sku_stock ss USING (sku)
  LEFT JOIN channel_push_state ps USING (channel, sku);

CREATE VIEW stock_movements_per_day AS
SELECT date_trunc('day', occurred_at) AS day,
       coalesce(channel, '(none)')    AS channel,
       event_type,
       count(*)                       AS movements,
       sum(delta_on_hand)             AS delta_on_hand,
       sum(delta_reserved)            AS delta_reserved,
       sum(delta_available)           AS delta_available
  FROM stock_movements
 GROUP BY 1, 2, 3;

CREATE VIEW reconciliation_differences AS
SELECT r.id AS run_id,
       r.started_at,
       i.channel,
       i.class,
       count(*)                                      AS differences,
       count(*) FILTER (WHERE i.action = 'corrected') AS corrected
  FROM reconciliation_runs r
  JOIN reconciliation_items i ON i.run_id = r.id
 GROUP BY 1, 2, 3, 4;
`,
    },
  ],
};
