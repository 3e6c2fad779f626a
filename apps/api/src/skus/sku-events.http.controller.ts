import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { EventStore } from '@libs/event-store';
import { skuStreamId } from '@libs/inventory-application';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  Max,
  Min,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { Authenticated } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { SkuParams } from '../common/identifiers';
import { skuEventItem } from './sku-event-summary';

const ORDERS = ['asc', 'desc'] as const;
type Order = (typeof ORDERS)[number];

/**
 * Refuses the property unless `order` is `wanted` (asc when absent): `after` pages forwards and `before`
 * backwards, and a cursor read in the other direction would silently page from somewhere else.
 */
function OnlyWithOrder(wanted: Order): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'onlyWithOrder',
      target: target.constructor,
      propertyName: property as string,
      options: { message: `${String(property)} is only for order=${wanted}` },
      validator: {
        validate: (_value: unknown, args?: ValidationArguments) =>
          ((args?.object as SkuEventsQuery).order ?? 'asc') === wanted,
      },
    });
}

export class SkuEventsQuery {
  @ApiPropertyOptional({
    enum: ORDERS,
    default: 'asc',
    description: '`asc`: oldest first, paged with `after`; `desc`: newest first, paged with `before`',
  })
  @IsOptional()
  @IsIn(ORDERS)
  order?: Order;

  @ApiPropertyOptional({
    description: 'Page after this stream version (the `next` of the previous page); `order=asc` only',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @OnlyWithOrder('asc')
  after?: number;

  @ApiPropertyOptional({
    description:
      'Page of the events before this stream version (the `next` of the previous page); `order=desc` only',
    minimum: 1,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @OnlyWithOrder('desc')
  before?: number;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/**
 * A SKU's stream as it was written, not as the projector read it: every event in version order, oldest or newest
 * first, with who asked and a summary of its non-secret fields (see sku-event-summary.ts).
 */
@ApiTags('skus')
@Authenticated()
@Controller('v1/skus/:sku/events')
export class SkuEventsHttpController {
  constructor(private readonly store: EventStore) {}

  @Get()
  @ApiOperation({
    summary:
      "A SKU's events from the event store in version order (`order=desc`: newest first), each with its time, actor and a summary of its quantities and ids (never key secrets or fingerprints); `next` is the `after` (desc: the `before`) of the next page, null on the last",
  })
  @ApiOkResponse({ description: 'API.NOT_FOUND (404) when the SKU has no stream' })
  async list(@Param() { sku }: SkuParams, @Query() query: SkuEventsQuery) {
    const limit = query.limit ?? 100;
    const streamId = skuStreamId(sku);
    const desc = query.order === 'desc';
    // One more than the page: whether another page follows is known without a second read. Newest first is a
    // backward read of the stream, so the latest events of a long stream cost no more than its first ones.
    const events = desc
      ? await this.store.readStream(streamId, {
          direction: 'backwards',
          fromVersion: query.before === undefined ? undefined : query.before - 1,
          maxCount: limit + 1,
        })
      : await this.store.readStream(streamId, { fromVersion: (query.after ?? 0) + 1, maxCount: limit + 1 });
    if (events.length === 0) {
      // Empty from the start of the stream (asc) or from its end (desc) means there is no stream.
      const cursor = desc ? query.before : query.after;
      const exists = (cursor ?? 0) > 0 && (await this.store.readStream(streamId, { maxCount: 1 })).length > 0;
      if (!exists) throw ApiError.notFound(`no events for SKU ${sku}`);
    }
    const page = events.slice(0, limit);
    return {
      items: page.map(skuEventItem),
      next: events.length > limit ? page[page.length - 1]!.version : null,
    };
  }
}
