import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { CatalogueImportReportDto } from './catalogue-import-report';

/** The first report of each catalogue batch, so that the same batch id sent again answers the same way. */
@Injectable()
export class CatalogueImportsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(batchId: string): Promise<CatalogueImportReportDto | null> {
    const { rows } = await this.pool.query<{ report: CatalogueImportReportDto }>(
      'SELECT report FROM catalogue_imports WHERE batch_id = $1',
      [batchId],
    );
    return rows[0]?.report ?? null;
  }

  /** Keeps the first report when two requests finish the same batch; returns the one stored. */
  async saveFirst(
    report: CatalogueImportReportDto,
    actor: string,
  ): Promise<{ report: CatalogueImportReportDto; first: boolean }> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO catalogue_imports (batch_id, actor, rows, registered, report) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (batch_id) DO NOTHING`,
      [report.batchId, actor, report.rows, report.registered, JSON.stringify(report)],
    );
    if (rowCount === 1) return { report, first: true };
    return { report: { ...((await this.find(report.batchId)) ?? report), replayed: true }, first: false };
  }
}
