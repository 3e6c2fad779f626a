import { Controller, Get, Header, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { exportRun } from '@libs/reconciliation';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { ReadModels } from '../common/read-models.service';
import { ReconcilerClient } from './reconciler-client';
import { ListRunsQuery, RunItemsQuery, RunParams } from './reconciliation-queries.dto';

// Run ids are bigserial; below 2^53 they are exact as JSON numbers.
const RUN_COLUMNS = `id::float8 AS id, trigger, status, started_at AS "startedAt", finished_at AS "finishedAt",
  listings_checked AS "listingsChecked", skus_checked AS "skusChecked", differences, corrections, error`;

/** Reconciliation runs and their items for operators and analysts; a run on demand through the reconciler. */
@ApiTags('reconciliations')
@Authenticated()
@Controller('v1/reconciliations')
export class ReconciliationsHttpController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly reconciler: ReconcilerClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Run a reconciliation now (on the reconciler app); answers with its summary when it has finished',
  })
  runNow() {
    return this.reconciler.runNow();
  }

  @Get()
  @ApiOperation({ summary: 'Reconciliation runs, newest first' })
  async list(@Query() { limit }: ListRunsQuery) {
    const items = await this.readModels.query(
      `SELECT ${RUN_COLUMNS} FROM reconciliation_runs ORDER BY id DESC LIMIT $1`,
      [limit ?? 50],
    );
    return { items };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One run with its differences counted per channel and class' })
  async run(@Param() { id }: RunParams) {
    const run = await this.mustExist(id);
    const byClass = await this.readModels.query(
      `SELECT channel, class, count(*)::int AS differences,
              count(*) FILTER (WHERE action = 'corrected')::int AS corrected
         FROM reconciliation_items WHERE run_id = $1 GROUP BY channel, class ORDER BY channel, class`,
      [id],
    );
    return { ...run, byClass };
  }

  @Get(':id/items')
  @ApiOperation({ summary: "A run's items (every difference found, its class and what was done), as JSON" })
  async items(@Param() { id }: RunParams, @Query() filter: RunItemsQuery) {
    await this.mustExist(id);
    const items = JSON.parse(await exportRun(this.pool, id, 'json')) as {
      channel: string;
      class: string;
    }[];
    return {
      items: items.filter(
        (i) =>
          (!filter.channel || i.channel === filter.channel) && (!filter.class || i.class === filter.class),
      ),
    };
  }

  @Get(':id/items.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: "A run's items as CSV (RFC 4180), for spreadsheets" })
  async csv(@Param() { id }: RunParams) {
    await this.mustExist(id);
    return exportRun(this.pool, id, 'csv');
  }

  private async mustExist(id: number): Promise<Record<string, unknown>> {
    const [run] = await this.readModels.query(
      `SELECT ${RUN_COLUMNS} FROM reconciliation_runs WHERE id = $1`,
      [id],
    );
    if (!run) throw ApiError.notFound(`no reconciliation run ${id}`);
    return run;
  }
}
