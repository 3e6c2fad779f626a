import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { EventStore } from '@libs/event-store';
import { skuStreamId } from '@libs/inventory-application';
import { Reservation } from '@libs/read-models';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Between, type FindOptionsWhere, LessThan, MoreThanOrEqual, type Repository } from 'typeorm';
import { Authenticated } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { IsIdentifier } from '../common/identifiers';
import { ticketStepsForOrder } from '../tickets/ticket-steps';
import { mergeSteps, orderSteps } from './order-history';

const STATES = [
  'reserved',
  'awaiting-keys',
  'forwarding',
  'confirmed',
  'delivered',
  'released',
  'expired',
  'rejected',
  'refunded',
] as const;

export class OrderParams {
  @ApiProperty({ example: 'taobao' }) @IsIdentifier() channel!: string;
  @ApiProperty({ example: 'TB-20261130-0001' }) @IsIdentifier() channelOrderId!: string;
}

export class OrderHistoryQuery {
  @ApiPropertyOptional({
    description:
      "The order's SKU, when the read models do not know the order yet (they may lag the events by a moment)",
  })
  @IsOptional()
  @IsIdentifier()
  sku?: string;
}

export class SearchOrdersQuery {
  @ApiPropertyOptional() @IsOptional() @IsIdentifier() sku?: string;
  @ApiPropertyOptional() @IsOptional() @IsIdentifier() channel?: string;
  @ApiPropertyOptional({ enum: STATES }) @IsOptional() @IsIn(STATES) state?: (typeof STATES)[number];

  @ApiPropertyOptional({ description: 'Placed at or after (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ description: 'Placed before (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({
    enum: ['newest', 'queue'],
    default: 'newest',
    description:
      "newest: placed newest first. queue: the order to work a queue in (e.g. state=awaiting-keys, the manual queue): an order rule's priority highest first, orders without one last, then the longest waiting first",
  })
  @IsOptional()
  @IsIn(['newest', 'queue'])
  sort?: 'newest' | 'queue';
}

/**
 * Orders as the operator's desk sees them: the list from the reservations read model, one order's whole history
 * from the event store (every decision its SKUs' streams recorded about it, with who asked).
 */
@ApiTags('orders')
@Authenticated()
@Controller('v1/orders')
export class OrdersHttpController {
  constructor(
    @InjectRepository(Reservation) private readonly reservations: Repository<Reservation>,
    private readonly store: EventStore,
    @Inject(PG_POOL) private readonly db: Pool,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Search orders by SKU, channel, state and the time they were placed; newest first, or sort=queue: highest order-rule priority first, then the longest waiting',
  })
  async search(@Query() query: SearchOrdersQuery) {
    const placed =
      query.from && query.to
        ? Between(query.from, query.to)
        : query.from
          ? MoreThanOrEqual(query.from)
          : query.to
            ? LessThan(query.to)
            : undefined;
    const where: FindOptionsWhere<Reservation> = {
      sku: query.sku,
      channel: query.channel,
      status: query.state,
      createdAt: placed,
    };
    const rows = await this.reservations.find({
      where,
      order:
        query.sort === 'queue'
          ? {
              priority: { direction: 'DESC', nulls: 'LAST' },
              createdAt: 'ASC',
              channel: 'ASC',
              channelOrderId: 'ASC',
            }
          : { createdAt: 'DESC', channel: 'ASC', channelOrderId: 'ASC' },
      take: query.limit ?? 100,
    });
    return { items: rows.map(summary) };
  }

  @Get(':channel/:channelOrderId')
  @ApiOperation({
    summary:
      "One order's history: every step its SKUs' streams recorded (reserved or rejected with the reason, paid with the keys allocated, delivered as the connector reported it, cancelled, expired, redeemed, refunded, sent again, key replaced, refused) and its after-sales tickets' steps, in time order, each with its actor",
  })
  @ApiOkResponse({ description: 'API.NOT_FOUND (404) when no SKU has a record of the order' })
  async history(@Param() { channel, channelOrderId }: OrderParams, @Query() query: OrderHistoryQuery) {
    const rows = await this.reservations.find({ where: { channel, channelOrderId }, order: { sku: 'ASC' } });
    const skus = [...new Set([...rows.map((r) => r.sku), ...(query.sku ? [query.sku] : [])])];
    const perSku = await Promise.all(
      skus.map(async (sku) =>
        orderSteps(
          { channel, channelOrderId },
          sku,
          await this.store.readStreamEventsByKey(skuStreamId(sku), [channelOrderId]),
        ),
      ),
    );
    const steps = mergeSteps(perSku, await ticketStepsForOrder(this.db, channel, channelOrderId));
    if (steps.length === 0) {
      throw ApiError.notFound(
        `no SKU has a record of order ${channelOrderId} on ${channel}` +
          (query.sku ? '' : ' (if it was just placed, name its SKU with ?sku=)'),
      );
    }
    return { channel, channelOrderId, lines: rows.map(summary), steps };
  }
}

function summary(r: Reservation) {
  return {
    sku: r.sku,
    channel: r.channel,
    channelOrderId: r.channelOrderId,
    quantity: r.quantity,
    state: r.status,
    reason: r.reason,
    expiresAt: r.expiresAt,
    allocatedUnitIds: r.allocatedUnitIds,
    loopUnitIds: r.loopUnitIds,
    placedAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(r.priority === null ? {} : { priority: r.priority }),
  };
}
