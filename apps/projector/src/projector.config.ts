import { IsInt, Max, Min } from 'class-validator';
import { defineConfig } from '@libs/config';

export class ProjectorConfig {
  /** Events per batch, one transaction each. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  batchSize!: number;

  /** How often to look for new events when caught up (appends in this process wake it sooner). */
  @IsInt()
  @Min(5)
  @Max(60_000)
  pollIntervalMs!: number;

  /** Each SKU's decider state is stored at every multiple of this version; the rest is replayed on load. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  stateSaveEvery!: number;

  /** SKU states kept in memory between batches (0: reload every batch). */
  @IsInt()
  @Min(0)
  cachedSkus!: number;

  /**
   * A SKU whose decider state serialises to more bytes than this is set aside (projection_quarantine) instead of
   * being stored; the state is kept whole in one row, so this bounds the memory one SKU takes to write and load.
   */
  @IsInt()
  @Min(1024)
  @Max(512 * 1024 * 1024)
  maxStateBytes!: number;

  /** How often the projector looks for retry requests of set-aside SKUs (POST /v1/projection/quarantine/:sku/retry). */
  @IsInt()
  @Min(10)
  @Max(600_000)
  quarantinePollMs!: number;

  /** Outbox rows per publish. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  relayBatchSize!: number;

  /** How often the relay looks at the outbox when nothing woke it. */
  @IsInt()
  @Min(10)
  @Max(60_000)
  relayPollIntervalMs!: number;

  /** Cap of the relay's backoff while the broker is unreachable. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  relayMaxRetryDelayMs!: number;

  /** Published outbox rows are kept this long, then deleted (0: kept forever). */
  @IsInt()
  @Min(0)
  outboxRetentionHours!: number;
}

export const projectorConfig = defineConfig('projector', ProjectorConfig, {
  batchSize: { name: 'PROJECTOR_BATCH_SIZE', parse: 'int', default: '500' },
  pollIntervalMs: { name: 'PROJECTOR_POLL_INTERVAL_MS', parse: 'int', default: '100' },
  stateSaveEvery: { name: 'PROJECTOR_STATE_SAVE_EVERY', parse: 'int', default: '1000' },
  cachedSkus: { name: 'PROJECTOR_CACHED_SKUS', parse: 'int', default: '10000' },
  maxStateBytes: { name: 'PROJECTOR_MAX_STATE_BYTES', parse: 'int', default: String(64 * 1024 * 1024) },
  quarantinePollMs: { name: 'PROJECTOR_QUARANTINE_POLL_MS', parse: 'int', default: '1000' },
  relayBatchSize: { name: 'OUTBOX_RELAY_BATCH_SIZE', parse: 'int', default: '500' },
  relayPollIntervalMs: { name: 'OUTBOX_RELAY_POLL_INTERVAL_MS', parse: 'int', default: '500' },
  relayMaxRetryDelayMs: { name: 'OUTBOX_RELAY_MAX_RETRY_DELAY_MS', parse: 'int', default: '30000' },
  outboxRetentionHours: { name: 'OUTBOX_RETENTION_HOURS', parse: 'int', default: '24' },
});
