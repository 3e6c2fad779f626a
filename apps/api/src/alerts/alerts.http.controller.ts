import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/roles.decorator';
import { ReadModels } from '../common/read-models.service';

@ApiTags('alerts')
@Authenticated()
@Controller('v1/alerts')
export class AlertsHttpController {
  constructor(private readonly readModels: ReadModels) {}

  @Get()
  @ApiOperation({ summary: 'Open low-stock alerts (库存预警), oldest first' })
  async listOpen() {
    const items = await this.readModels.query(
      `SELECT sku, kind, threshold, on_hand AS "onHand", raised_at AS "raisedAt"
         FROM stock_alerts WHERE open ORDER BY raised_at, sku`,
    );
    return { items };
  }
}
