import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { StockAlert } from '@libs/read-models';
import type { Repository } from 'typeorm';
import { Authenticated } from '../auth/roles.decorator';

@ApiTags('alerts')
@Authenticated()
@Controller('v1/alerts')
export class AlertsHttpController {
  constructor(@InjectRepository(StockAlert) private readonly alerts: Repository<StockAlert>) {}

  @Get()
  @ApiOperation({ summary: 'Open low-stock alerts (库存预警), oldest first' })
  async listOpen() {
    // At most one row per SKU (its latest alert), so the list is bounded by the catalogue.
    const open = await this.alerts.find({
      select: { sku: true, kind: true, threshold: true, onHand: true, raisedAt: true },
      where: { open: true },
      order: { raisedAt: 'ASC', sku: 'ASC' },
    });
    const items = open.map(({ sku, kind, threshold, onHand, raisedAt }) => ({
      sku,
      kind,
      threshold,
      onHand,
      raisedAt,
    }));
    return { items };
  }
}
