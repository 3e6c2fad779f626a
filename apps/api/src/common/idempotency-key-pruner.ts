import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CommandBodies } from '@libs/inventory-application';
import { LOGGER } from '@libs/observability';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ApiConfig } from '../api.config';
import { IdempotencyKeys } from './idempotency-keys';

/** Often enough that the table stays near one retention's worth of keys; rare enough to cost nothing. */
const PRUNE_INTERVAL_MS = 15 * 60_000;
/** Rows per DELETE, so one run never holds many row locks or one long transaction. */
const PRUNE_BATCH_SIZE = 1_000;

/**
 * Forgets Idempotency-Keys older than API_IDEMPOTENCY_RETENTION_HOURS, every PRUNE_INTERVAL_MS, and the stored
 * bodies of large commands after the same time (a request repeated within it may still need its body).
 */
@Injectable()
export class IdempotencyKeyPruner implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly stopping = new AbortController();

  constructor(
    private readonly keys: IdempotencyKeys,
    private readonly config: ApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) pool: Pool,
  ) {
    this.bodies = new CommandBodies(pool);
  }

  private readonly bodies: CommandBodies;

  onModuleInit(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.keys
        .pruneOlderThan(this.config.idempotencyRetentionHours, PRUNE_BATCH_SIZE, this.stopping.signal)
        .then(async (pruned) => {
          if (pruned > 0) this.logger.info({ pruned }, 'pruned expired idempotency keys');
          const horizon = new Date(Date.now() - this.config.idempotencyRetentionHours * 3_600_000);
          const bodies = await this.bodies.prune(horizon);
          if (bodies > 0) this.logger.info({ pruned: bodies }, 'pruned stored command bodies');
        })
        // A failed run (the database away) is retried at the next interval; nothing depends on it meanwhile.
        .catch((err: unknown) => this.logger.warn({ err }, 'idempotency key pruning failed'))
        .finally(() => (this.running = undefined));
    }, PRUNE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }
}
