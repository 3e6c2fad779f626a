import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Authenticated } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { IsIdentifier, SkuParams } from '../common/identifiers';
import { ReadModels } from '../common/read-models.service';

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

const SKU_COLUMNS = `sku, kind, received, adjusted, delivered, on_hand AS "onHand", reserved,
  held_in_pools AS "heldInPools", available, endless, endless_reserved AS "endlessReserved",
  endless_delivered AS "endlessDelivered", low_stock_threshold AS "lowStockThreshold", per_order_cap AS "perOrderCap",
  version,
  updated_at AS "updatedAt"`;

/** Reads the projector's tables: what a SKU holds now and what every channel lists. May lag the events. */
@ApiTags('skus')
@Authenticated()
@Controller('v1/skus')
export class SkuQueriesHttpController {
  constructor(private readonly readModels: ReadModels) {}

  @Get()
  @ApiOperation({ summary: 'List SKUs with their stock levels, ordered by SKU' })
  async list(@Query() query: ListSkusQuery) {
    const limit = query.limit ?? 100;
    const items = await this.readModels.query(
      `SELECT ${SKU_COLUMNS} FROM sku_stock WHERE ($1::text IS NULL OR sku > $1) ORDER BY sku LIMIT $2`,
      [query.after ?? null, limit],
    );
    const last = items.length === limit ? (items[items.length - 1] as { sku: string }).sku : null;
    return { items, next: last };
  }

  @Get(':sku')
  @ApiOperation({
    summary: 'One SKU across all channels: stock levels, channel targets and pushes, card keys, alert',
  })
  @ApiOkResponse({ description: 'API.NOT_FOUND (404) if the projector has not seen the SKU' })
  async get(@Param() { sku }: SkuParams) {
    const [stock] = await this.readModels.query(`SELECT ${SKU_COLUMNS} FROM sku_stock WHERE sku = $1`, [sku]);
    if (!stock) throw ApiError.notFound(`no SKU ${sku} in the read models`);
    const [channels, cardKeys, alerts] = await Promise.all([
      this.readModels.query(
        `SELECT channel, target, target_version AS "targetVersion", target_published_at AS "targetPublishedAt",
                last_pushed AS "lastPushed", last_pushed_version AS "lastPushedVersion", last_pushed_at AS "lastPushedAt",
                last_acked AS "lastAcked", last_acked_version AS "lastAckedVersion", last_acked_at AS "lastAckedAt"
           FROM channel_stock WHERE sku = $1 ORDER BY channel`,
        [sku],
      ),
      this.readModels.query(
        `SELECT state, SUM(count)::int AS count FROM card_key_counts WHERE sku = $1 GROUP BY state ORDER BY state`,
        [sku],
      ),
      this.readModels.query(
        `SELECT threshold, on_hand AS "onHand", raised_at AS "raisedAt", cleared_at AS "clearedAt", open
           FROM stock_alerts WHERE sku = $1`,
        [sku],
      ),
    ]);
    return { ...stock, channels, cardKeys, alert: alerts[0] ?? null };
  }
}
