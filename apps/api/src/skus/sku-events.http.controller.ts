import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { EventStore } from '@libs/event-store';
import { skuStreamId } from '@libs/inventory-application';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Authenticated } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { SkuParams } from '../common/identifiers';
import { skuEventItem } from './sku-event-summary';

export class SkuEventsQuery {
  @ApiPropertyOptional({ description: 'Page after this stream version (the `next` of the previous page)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/**
 * A SKU's stream as it was written, not as the projector read it: every event in version order, with who asked
 * and a summary of its non-secret fields (see sku-event-summary.ts).
 */
@ApiTags('skus')
@Authenticated()
@Controller('v1/skus/:sku/events')
export class SkuEventsHttpController {
  constructor(private readonly store: EventStore) {}

  @Get()
  @ApiOperation({
    summary:
      "A SKU's events from the event store in version order, each with its time, actor and a summary of its quantities and ids (never key secrets or fingerprints); `next` is the `after` of the next page",
  })
  @ApiOkResponse({ description: 'API.NOT_FOUND (404) when the SKU has no stream' })
  async list(@Param() { sku }: SkuParams, @Query() query: SkuEventsQuery) {
    const limit = query.limit ?? 100;
    const after = query.after ?? 0;
    const streamId = skuStreamId(sku);
    // One more than the page: whether another page follows is known without a second read.
    const events = await this.store.readStream(streamId, { fromVersion: after + 1, maxCount: limit + 1 });
    if (events.length === 0) {
      const exists = after > 0 && (await this.store.readStream(streamId, { maxCount: 1 })).length > 0;
      if (!exists) throw ApiError.notFound(`no events for SKU ${sku}`);
    }
    const page = events.slice(0, limit);
    return {
      items: page.map(skuEventItem),
      next: events.length > limit ? page[page.length - 1]!.version : null,
    };
  }
}
