import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { ProjectionQuarantine } from '@libs/read-models';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Repository } from 'typeorm';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { SkuParams } from '../common/identifiers';

export class ListQuarantineQuery {
  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/**
 * SKUs the projector set aside because an event of theirs cannot be projected (their read models and channel
 * targets are frozen at the event before), and retry requests. The projector is the one writer of the read
 * models: the API only records the request, which the projector serves within PROJECTOR_QUARANTINE_POLL_MS.
 */
@ApiTags('projection')
@Authenticated()
@Controller('v1/projection/quarantine')
export class ProjectionQuarantineHttpController {
  constructor(
    @InjectRepository(ProjectionQuarantine) private readonly quarantine: Repository<ProjectionQuarantine>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'SKUs set aside by the projector, oldest first, with the event and the reason' })
  async list(@Query() { limit }: ListQuarantineQuery) {
    const items = await this.quarantine.find({
      order: { firstFailedAt: 'ASC', sku: 'ASC' },
      take: limit ?? 100,
    });
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
  @ApiAcceptedResponse({
    description: 'The request is recorded; API.NOT_FOUND (404) if the SKU is not set aside',
  })
  async retry(@Param() { sku }: SkuParams, @CurrentPrincipal() caller: Principal) {
    // The update and the read back in one transaction: the projector, serving the request, cannot delete the row
    // in between (it waits for the update's row lock), so the answer is the row as recorded.
    const row = await this.quarantine.manager.transaction(async (tx) => {
      const { affected } = await tx.update(
        ProjectionQuarantine,
        { sku },
        { retryRequestedAt: () => 'now()', retryRequestedBy: caller.name },
      );
      return affected ? tx.findOneBy(ProjectionQuarantine, { sku }) : null;
    });
    if (!row) throw ApiError.notFound(`SKU ${sku} is not set aside by the projector`);
    return row;
  }
}
