import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { CardKeyCount, ChannelStock, SkuStock, StockAlert } from '@libs/read-models';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { And, type FindOperator, ILike, In, MoreThan, type Repository } from 'typeorm';
import { Authenticated } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { IsIdentifier, SkuParams } from '../common/identifiers';
import { SkuChannelRows } from './sku-channel-rows';

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

  @ApiPropertyOptional({
    description:
      'Only SKUs containing this text (a prefix or any part of the code, case-insensitive; `%` and `_` match themselves)',
    example: 'steam',
  })
  @IsOptional()
  @IsIdentifier()
  q?: string;
}

/** `text` as a literal inside a LIKE pattern: PostgreSQL's default escape character is the backslash. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function alertOf(alert: StockAlert | null | undefined) {
  return alert
    ? {
        threshold: alert.threshold,
        onHand: alert.onHand,
        raisedAt: alert.raisedAt,
        clearedAt: alert.clearedAt,
        open: alert.open,
      }
    : null;
}

/**
 * Reads the projector's tables: what a SKU holds now and what every channel lists, with the connectors' push
 * state of each channel. May lag the events.
 */
@ApiTags('skus')
@Authenticated()
@Controller('v1/skus')
export class SkuQueriesHttpController {
  private readonly channels: SkuChannelRows;

  constructor(
    @InjectRepository(SkuStock) private readonly stock: Repository<SkuStock>,
    @InjectRepository(ChannelStock) channelStock: Repository<ChannelStock>,
    @InjectRepository(CardKeyCount) private readonly cardKeys: Repository<CardKeyCount>,
    @InjectRepository(StockAlert) private readonly alerts: Repository<StockAlert>,
  ) {
    this.channels = new SkuChannelRows(channelStock);
  }

  @Get()
  @ApiOperation({
    summary:
      "List SKUs with their stock levels, channels (target, and the connector's last push, acknowledgement and error) and alert, ordered by SKU; `q` keeps the SKUs containing it",
  })
  async list(@Query() query: ListSkusQuery) {
    const limit = query.limit ?? 100;
    const conditions: FindOperator<string>[] = [];
    if (query.after !== undefined) conditions.push(MoreThan(query.after));
    if (query.q !== undefined) conditions.push(ILike(`%${likeLiteral(query.q)}%`));
    // Keyset paging on the primary key: every page is one index range scan, however deep. A `q` filters that
    // scan; it uses no index of its own, so a rare match may read many rows to fill a page.
    const rows = await this.stock.find({
      where:
        conditions.length === 0 ? {} : { sku: conditions.length === 1 ? conditions[0] : And(...conditions) },
      order: { sku: 'ASC' },
      take: limit,
    });
    // A page's channels and alerts in one query each, however many SKUs it holds.
    const skus = rows.map((r) => r.sku);
    const [channelsBySku, alerts] =
      skus.length === 0
        ? [new Map(), []]
        : await Promise.all([this.channels.of(skus), this.alerts.findBy({ sku: In(skus) })]);
    const alertBySku = new Map(alerts.map((a) => [a.sku, a]));
    const items = rows.map((stock) => ({
      ...stock,
      channels: channelsBySku.get(stock.sku) ?? [],
      alert: alertOf(alertBySku.get(stock.sku)),
    }));
    const last = rows.length === limit ? rows[rows.length - 1]!.sku : null;
    return { items, next: last };
  }

  @Get(':sku')
  @ApiOperation({
    summary:
      "One SKU across all channels: stock levels, channel targets with the connector's last push, acknowledgement and error, card keys, alert",
  })
  @ApiOkResponse({ description: 'API.NOT_FOUND (404) if the projector has not seen the SKU' })
  async get(@Param() { sku }: SkuParams) {
    const stock = await this.stock.findOneBy({ sku });
    if (!stock) throw ApiError.notFound(`no SKU ${sku} in the read models`);
    const [channels, cardKeys, alert] = await Promise.all([
      this.channels.of([sku]),
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
      channels: channels.get(sku) ?? [],
      cardKeys,
      alert: alertOf(alert),
    };
  }
}
