import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { defineConfig } from '@libs/config';

export class ReconcilerConfig {
  /** Cron expression (seconds optional) of the nightly run. */
  @IsString()
  cron!: string;

  @IsBoolean()
  truthCheck!: boolean;

  @IsInt()
  @Min(10)
  @Max(1000)
  pageSize!: number;

  /**
   * The channels to reconcile, each through its connector: `channel=url` pairs. The reconciler holds no platform
   * credential; listings are read and corrections pushed by the connector (with SERVICE_TOKEN).
   */
  @Matches(/^[a-z][a-z0-9-]{0,31}=https?:\/\/\S+$/, {
    each: true,
    message: 'each entry must be channel=http(s)://connector-url',
  })
  connectors!: string[];

  /** Longest wait for one connector call (a listing page, or a correction request before its wait). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  connectorTimeoutMs!: number;

  /** How long a connector may wait for the platform's answers to a batch of corrections (0: report them queued). */
  @IsInt()
  @Min(0)
  @Max(60_000)
  correctionWaitMs!: number;
}

export const reconcilerConfig = defineConfig('reconciler', ReconcilerConfig, {
  cron: { name: 'RECONCILE_CRON', default: '0 0 2 * * *' },
  truthCheck: { name: 'RECONCILE_TRUTH_CHECK', parse: 'boolean', default: 'true' },
  pageSize: { name: 'RECONCILE_PAGE_SIZE', parse: 'int', default: '100' },
  // A production reconciler with nothing to reconcile would report every night that all is well.
  connectors: {
    name: 'RECONCILE_CONNECTORS',
    parse: 'list',
    requiredUnlessEmbedded: true,
    embeddedDefault: '',
    requires: ['SERVICE_TOKEN'],
  },
  connectorTimeoutMs: { name: 'RECONCILE_CONNECTOR_TIMEOUT_MS', parse: 'int', default: '30000' },
  correctionWaitMs: { name: 'RECONCILE_CORRECTION_WAIT_MS', parse: 'int', default: '15000' },
});
