import { IsInt, IsOptional, IsString, IsUrl, Max, MinLength, Min } from 'class-validator';
import { defineConfig } from '@libs/config';

export class ApiConfig {
  /** A key that always authenticates as an admin, kept only in the environment (never stored). Unset: none. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (a high-entropy secret)' })
  bootstrapAdminKey?: string;

  /** Sustained requests per second per API key (token bucket refill rate). */
  @IsInt()
  @Min(1)
  @Max(100_000)
  rateLimitPerSecond!: number;

  /** Requests a key may burst above the sustained rate (bucket size). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitBurst!: number;

  /**
   * Failed authentications (no key, unknown or revoked key) a source address may make in a burst before every
   * request from it is answered 429, without looking the key up.
   */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  authFailureBurst!: number;

  /** How fast a source earns back failed authentications (per minute, token bucket refill). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  authFailuresPerMinute!: number;

  /** Rows one card-key import may hold; a longer file is refused as a whole. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  importMaxRows!: number;

  /** The reconciler app, which runs a reconciliation on POST /v1/reconciliations. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  reconcilerUrl!: string;

  /** How long a run started through the API may take before the API stops waiting (the run goes on). */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  reconcilerTimeoutMs!: number;

  /** How long an Idempotency-Key is remembered; after that its next use is a new command (7 days by default). */
  @IsInt()
  @Min(1)
  @Max(8_760)
  idempotencyRetentionHours!: number;

  /**
   * How long a write waits for the SKU's owner (the inventory service) to answer through the SKU lane. After it the
   * caller gets 504 INVENTORY.LANE_TIMEOUT; the command may still be decided, and the same Idempotency-Key
   * returns its outcome.
   */
  @IsInt()
  @Min(100)
  @Max(600_000)
  laneTimeoutMs!: number;

  /** Secrets handed to the vault per statement while importing. */
  @IsInt()
  @Min(1)
  @Max(50_000)
  importChunkSize!: number;
}

export const apiConfig = defineConfig('api', ApiConfig, {
  bootstrapAdminKey: { name: 'API_BOOTSTRAP_ADMIN_KEY', secret: true, generate: 'token' },
  rateLimitPerSecond: { name: 'API_RATE_LIMIT_PER_SECOND', parse: 'int', default: '50' },
  rateLimitBurst: { name: 'API_RATE_LIMIT_BURST', parse: 'int', default: '100' },
  authFailureBurst: { name: 'API_AUTH_FAILURE_BURST', parse: 'int', default: '20' },
  authFailuresPerMinute: { name: 'API_AUTH_FAILURES_PER_MINUTE', parse: 'int', default: '10' },
  importMaxRows: { name: 'API_IMPORT_MAX_ROWS', parse: 'int', default: '1000000' },
  importChunkSize: { name: 'API_IMPORT_CHUNK_SIZE', parse: 'int', default: '5000' },
  laneTimeoutMs: { name: 'API_LANE_TIMEOUT_MS', parse: 'int', default: '30000' },
  idempotencyRetentionHours: { name: 'API_IDEMPOTENCY_RETENTION_HOURS', parse: 'int', default: '168' },
  // The reconciler's API needs the service token: an api pointed at it without one could only be refused.
  reconcilerUrl: {
    name: 'API_RECONCILER_URL',
    default: 'http://127.0.0.1:3003',
    requires: ['SERVICE_TOKEN'],
  },
  reconcilerTimeoutMs: { name: 'API_RECONCILER_TIMEOUT_MS', parse: 'int', default: '600000' },
});

// The card vault's keys are libs/card-vault's (the supplier connector reads the same variables).
export { CardVaultConfig, cardVaultConfig } from '@libs/card-vault';
