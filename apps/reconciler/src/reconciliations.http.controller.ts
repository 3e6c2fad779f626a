import {
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { exportRun } from '@libs/reconciliation';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import { ReconciliationService } from './reconciliation.service';

@Controller('v1/reconciliations')
export class ReconciliationsHttpController {
  constructor(
    private readonly service: ReconciliationService,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** Runs now and answers with the summary when the run has finished. */
  @Post()
  @HttpCode(201)
  run() {
    return this.service.start('api');
  }

  @Get()
  async list() {
    const { rows } = await this.pool.query('SELECT * FROM reconciliation_runs ORDER BY id DESC LIMIT 50');
    return rows;
  }

  @Get(':id/items.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  async csv(@Param('id', ParseIntPipe) id: number) {
    await this.mustExist(id);
    return exportRun(this.pool, id, 'csv');
  }

  @Get(':id/items')
  async items(@Param('id', ParseIntPipe) id: number, @Query('class') klass?: string) {
    await this.mustExist(id);
    const items = JSON.parse(await exportRun(this.pool, id, 'json')) as { class: string }[];
    return klass ? items.filter((i) => i.class === klass) : items;
  }

  private async mustExist(id: number): Promise<void> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM reconciliation_runs WHERE id = $1', [id]);
    if (!rowCount)
      throw new NotFoundException({
        code: 'RECONCILIATION.RUN_NOT_FOUND',
        message: `no reconciliation run ${id}`,
      });
  }
}
