import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { runMigrations } from '@libs/database';
import { diversionMigrations } from '@libs/diversion';
import { reconciliationMigrations } from '@libs/reconciliation';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import { apiMigrations } from '../api.migrations';
import { replenishmentMigrations } from '../replenishment/replenishment.migrations';

/**
 * Creates the API's own tables (api_keys, card_key_imports, catalogue_imports; the replenishment_* tables of
 * component 'replenishment') before the first request, and the reconciliation report tables it serves (the reconciler
 * applies the same migrations; whichever starts first).
 */
@Injectable()
export class ApiMigrationsRunner implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.pool, apiMigrations);
    await runMigrations(this.pool, reconciliationMigrations);
    await runMigrations(this.pool, replenishmentMigrations);
    // The 串货 rules the api writes (the notifier applies the same set; whichever starts first).
    await runMigrations(this.pool, diversionMigrations);
  }
}
