import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { CardKeyCount, ChannelStock, SkuStock, StockAlert } from '@libs/read-models';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MoreThan, type Repository } from 'typeorm';
import { Authenticated } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { IsIdentifier, SkuParams } from '../common/identifiers';

export class ListSkusQuery {
  @ApiPropertyOptional({ description: 'Page after this SKU (keyset paging)' })
  @IsOptional()
  @IsIdentifier()
  after?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** Reads the projector's tables: what a SKU holds now and what every channel lists. May lag the events. */
@ApiTags('skus')
@Authenticated()
@Controller('v1/skus')
export class SkuQueriesHttpController {
  constructor(
    @InjectRepository(SkuStock) private readonly stock: Repository<SkuStock>,
    @InjectRepository(ChannelStock) private readonly channels: Repository<ChannelStock>,
    @InjectRepository(CardKeyCount) private readonly cardKeys: Repository<CardKeyCount>,
    @InjectRepository(StockAlert) private readonly alerts: Repository<StockAlert>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List SKUs with their stock levels, ordered by SKU' })
  async list(@Query() query: ListSkusQuery) {
    const limit = query.limit ?? 100;
    // Keyset paging on the primary key: every page is one index range scan, however deep.
    const items = await this.stock.find({
      where: query.after === undefined ? {} : { sku: MoreThan(query.after) },
      order: { sku: 'ASC' },
      take: limit,
    });
    const last = items.length === limit ? items[items.length - 1]!.sku : null;
    return { items, next: last };
  }

  @Get(':sku')
  @ApiOperation({
    summary: 'One SKU across all channels: stock levels, channel targets and pushes, card keys, alert',
  })
  @ApiOkResponse({ description: 'API.NOT_FOUND (404) if the projector has not seen the SKU' })
  async get(@Param() { sku }: SkuParams) {
    const stock = await this.stock.findOneBy({ sku });
    if (!stock) throw ApiError.notFound(`no SKU ${sku} in the read models`);
    const [channels, cardKeys, alert] = await Promise.all([
      this.channels.find({ where: { sku }, order: { channel: 'ASC' } }),
      this.cardKeys
        .createQueryBuilder('k')
        .select('k.state', 'state')
        .addSelect('SUM(k.count)::int', 'count')
        .where('k.sku = :sku', { sku })
        .groupBy('k.state')
        .orderBy('k.state')
        .getRawMany<{ state: string; count: number }>(),
      this.alerts.findOneBy({ sku }),
    ]);
    return {
      ...stock,
      channels: channels.map(({ sku: _sku, ...channel }) => channel),
      cardKeys,
      alert: alert && {
        threshold: alert.threshold,
        onHand: alert.onHand,
        raisedAt: alert.raisedAt,
        clearedAt: alert.clearedAt,
        open: alert.open,
      },
    };
  }
}
