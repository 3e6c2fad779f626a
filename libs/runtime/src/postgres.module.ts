import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createPool, type EmbeddedPostgres, startEmbeddedPostgres } from '@libs/database';
import { DatabaseConfig, EMBEDDED_FLAG, isEmbeddedMode } from '@libs/config';
import { HEALTH_CHECK_TIMEOUT_MS, type ReadinessIndicator } from '@libs/observability';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Pool } from 'pg';
import { embeddedInfrastructure } from './embedded-infrastructure';

export const PG_POOL = Symbol('PG_POOL');

/** The connection an app works through: the configured server, or (embedded mode only) an in-process PGlite. */
@Injectable()
export class PostgresConnection implements OnApplicationShutdown {
  private embedded?: EmbeddedPostgres;
  pool!: Pool;
  url!: string;
  isEmbedded = false;

  constructor(private readonly config: DatabaseConfig) {}

  private ownsPool = true;

  async open(): Promise<this> {
    const shared = embeddedInfrastructure();
    if (shared) {
      this.url = shared.databaseUrl;
      this.isEmbedded = true;
      this.pool = shared.pool;
      this.ownsPool = false;
      return this;
    }
    if (this.config.url) {
      this.url = this.config.url;
    } else {
      // The config already refuses a missing DATABASE_URL outside embedded mode; this guards any other caller.
      if (!isEmbeddedMode())
        throw new Error(`DATABASE_URL is not set (${EMBEDDED_FLAG}=1 for the embedded PostgreSQL)`);
      this.embedded = await startEmbeddedPostgres();
      this.url = this.embedded.url;
      this.isEmbedded = true;
    }
    this.pool = createPool({
      url: this.url,
      embedded: this.isEmbedded,
      max: this.config.poolSize,
      statementTimeoutMs: this.config.statementTimeoutMs,
      idleInTransactionTimeoutMs: this.config.idleInTransactionTimeoutMs,
      connectTimeoutMs: this.config.connectTimeoutMs,
    });
    // An idle client that loses its server must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    return this;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsPool) await this.pool?.end();
    await this.embedded?.stop();
  }
}

/** Ready when PostgreSQL answers `SELECT 1` through the app's own pool (a pool that cannot connect is not ready). */
@Injectable()
export class PostgresHealthIndicator implements ReadinessIndicator {
  readonly key = 'postgres';

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async isHealthy() {
    return this.health
      .check(this.key)
      .attempt(async () => {
        await this.pool.query('SELECT 1');
      })
      .withTimeout(HEALTH_CHECK_TIMEOUT_MS);
  }
}

@Global()
@Module({
  providers: [
    {
      provide: PostgresConnection,
      useFactory: (config: DatabaseConfig) => new PostgresConnection(config).open(),
      inject: [DatabaseConfig],
    },
    { provide: PG_POOL, useFactory: (c: PostgresConnection) => c.pool, inject: [PostgresConnection] },
    PostgresHealthIndicator,
  ],
  exports: [PostgresConnection, PG_POOL, PostgresHealthIndicator],
})
export class PostgresModule {}
