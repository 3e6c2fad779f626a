import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { ImportReportDto } from './import-report';

/** The first report of each batch, so that the same batch id sent again answers the same way. */
@Injectable()
export class CardKeyImportsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(sku: string, batchId: string): Promise<ImportReportDto | null> {
    const { rows } = await this.pool.query<{ report: ImportReportDto }>(
      'SELECT report FROM card_key_imports WHERE sku = $1 AND batch_id = $2',
      [sku, batchId],
    );
    return rows[0]?.report ?? null;
  }

  /** Keeps the first report when two requests finish the same batch; returns the one stored. */
  async saveFirst(
    report: ImportReportDto,
    actor: string,
  ): Promise<{ report: ImportReportDto; first: boolean }> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO card_key_imports (sku, batch_id, actor, rows, imported, report) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (sku, batch_id) DO NOTHING`,
      [report.sku, report.batchId, actor, report.rows, report.imported, JSON.stringify(report)],
    );
    if (rowCount === 1) return { report, first: true };
    return {
      report: { ...((await this.find(report.sku, report.batchId)) ?? report), replayed: true },
      first: false,
    };
  }
}
