import { Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { ReconciliationItem, ReconciliationRun } from '@libs/read-models';
import { itemsToCsv } from '@libs/reconciliation';
import type { Repository } from 'typeorm';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { ReconcilerClient } from './reconciler-client';
import { ListRunsQuery, RunItemsQuery, RunParams } from './reconciliation-queries.dto';

/** Reconciliation runs and their items for operators and analysts; a run on demand through the reconciler. */
@ApiTags('reconciliations')
@Authenticated()
@Controller('v1/reconciliations')
export class ReconciliationsHttpController {
  constructor(
    @InjectRepository(ReconciliationRun) private readonly runs: Repository<ReconciliationRun>,
    @InjectRepository(ReconciliationItem) private readonly items: Repository<ReconciliationItem>,
    private readonly reconciler: ReconcilerClient,
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
    const items = await this.runs.find({ order: { id: 'DESC' }, take: limit ?? 50 });
    return { items };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One run with its differences counted per channel and class' })
  async run(@Param() { id }: RunParams) {
    const run = await this.mustExist(id);
    const byClass = await this.items
      .createQueryBuilder('i')
      .select('i.channel', 'channel')
      .addSelect('i.class', 'class')
      .addSelect('count(*)::int', 'differences')
      .addSelect(`count(*) FILTER (WHERE i.action = 'corrected')::int`, 'corrected')
      .where('i.runId = :id', { id })
      .groupBy('i.channel')
      .addGroupBy('i.class')
      .orderBy('i.channel')
      .addOrderBy('i.class')
      .getRawMany<{ channel: string; class: string; differences: number; corrected: number }>();
    return { ...run, byClass };
  }

  @Get(':id/items')
  @ApiOperation({ summary: "A run's items (every difference found, its class and what was done), as JSON" })
  async runItems(@Param() { id }: RunParams, @Query() filter: RunItemsQuery) {
    await this.mustExist(id);
    return { items: await this.report(id, filter) };
  }

  @Get(':id/items.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: "A run's items as CSV (RFC 4180), for spreadsheets" })
  async csv(@Param() { id }: RunParams) {
    await this.mustExist(id);
    return itemsToCsv(await this.report(id, {}));
  }

  /** A run's items in the report's shape (the reconciler's export has the same columns and order). */
  private async report(runId: number, filter: RunItemsQuery) {
    const rows = await this.items.find({
      where: { runId, channel: filter.channel, class: filter.class },
      order: { channel: 'ASC', sku: 'ASC', class: 'ASC' },
    });
    return rows.map((r) => ({
      channel: r.channel,
      sku: r.sku,
      class: r.class,
      listed: r.listed,
      target: r.target,
      target_version: r.targetVersion,
      action: r.action,
      note: r.note,
    }));
  }

  private async mustExist(id: number): Promise<ReconciliationRun> {
    const run = await this.runs.findOneBy({ id });
    if (!run) throw ApiError.notFound(`no reconciliation run ${id}`);
    return run;
  }
}
