import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { SkuParams } from '../common/identifiers';
import { ReadModels } from '../common/read-models.service';

export class ListQuarantineQuery {
  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

const QUARANTINE_COLUMNS = `sku, version, global_position AS "globalPosition", event_id AS "eventId",
  event_type AS "eventType", reason_code AS "reasonCode", reason, first_failed_at AS "firstFailedAt",
  last_failed_at AS "lastFailedAt", attempts, skipped_events AS "skippedEvents",
  retry_requested_at AS "retryRequestedAt", retry_requested_by AS "retryRequestedBy"`;

/**
 * SKUs the projector set aside because an event of theirs cannot be projected (their read models and channel
 * targets are frozen at the event before), and retry requests. The projector is the one writer of the read
 * models: the API only records the request, which the projector serves within PROJECTOR_QUARANTINE_POLL_MS.
 */
@ApiTags('projection')
@Authenticated()
@Controller('v1/projection/quarantine')
export class ProjectionQuarantineHttpController {
  constructor(private readonly readModels: ReadModels) {}

  @Get()
  @ApiOperation({ summary: 'SKUs set aside by the projector, oldest first, with the event and the reason' })
  async list(@Query() { limit }: ListQuarantineQuery) {
    const items = await this.readModels.query(
      `SELECT ${QUARANTINE_COLUMNS} FROM projection_quarantine ORDER BY first_failed_at, sku LIMIT $1`,
      [limit ?? 100],
    );
    return { items };
  }

  @Post(':sku/retry')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      'Ask the projector to rebuild a set-aside SKU from its stream; the row disappears when every event projects, ' +
      'else it stays with one more attempt and the new reason',
  })
  @ApiAcceptedResponse({ description: 'The request is recorded; API.NOT_FOUND (404) if the SKU is not set aside' })
  async retry(@Param() { sku }: SkuParams, @CurrentPrincipal() caller: Principal) {
    const [row] = await this.readModels.query(
      `UPDATE projection_quarantine SET retry_requested_at = now(), retry_requested_by = $2
        WHERE sku = $1 RETURNING ${QUARANTINE_COLUMNS}`,
      [sku, caller.name],
    );
    if (!row) throw ApiError.notFound(`SKU ${sku} is not set aside by the projector`);
    return row;
  }
}
