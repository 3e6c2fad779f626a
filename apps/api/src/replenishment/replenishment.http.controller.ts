import { Body, Controller, Get, Inject, Param, Put, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { toCsv } from '@libs/csv';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { SkuParams } from '../common/identifiers';
import { ReplenishmentConfig } from './replenishment.config';
import { ListReplenishmentQuery, ReplenishmentSettingsDto } from './replenishment.dto';
import { type SkuForecast, ReplenishmentService } from './replenishment.service';

const CSV_COLUMNS = [
  'sku',
  'available',
  'velocity',
  'daysOfCover',
  'leadTimeDays',
  'safetyStockUnits',
  'demandOverCycle',
  'reorderUnits',
  'soldLast28Days',
  'lowCover',
  'computedAt',
] as const;

interface ForecastRow {
  sku: string;
  available: string;
  velocity: number;
  days_of_cover: number | null;
  lead_time_days: number;
  safety_stock_units: string;
  demand_over_cycle: number;
  reorder_units: string;
  sold_last_28_days: string;
  low_cover: boolean;
  computed_at: Date;
}

/** Forecasts are not money: rounded for reading, the exact values stay in the table. */
function round(value: number | null, digits: number): number | null {
  if (value === null) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * Sales velocity, days of cover and a suggested reorder per counted SKU (libs/replenishment; the method is in its
 * README). The list is the last replenishment pass (every REPLENISHMENT_INTERVAL_MS); one SKU is computed on request.
 */
@ApiTags('replenishment')
@Authenticated()
@Controller('v1/replenishment')
export class ReplenishmentHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly service: ReplenishmentService,
    private readonly config: ReplenishmentConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Every counted SKU: velocity (units a day), days of cover, suggested reorder; lowest cover first (no sales last), paged; JSON or CSV',
  })
  @ApiProduces('application/json', 'text/csv')
  async list(@Query() query: ListReplenishmentQuery) {
    const limit = query.limit ?? 100;
    const offset = query.offset ?? 0;
    const present = await this.pool.query<{ present: boolean }>(
      `SELECT to_regclass('replenishment_forecasts') IS NOT NULL AS present`,
    );
    const { rows } =
      present.rows[0]?.present === true
        ? await this.pool.query<ForecastRow>(
            `SELECT sku, available::text, velocity, days_of_cover, lead_time_days, safety_stock_units::text,
                    demand_over_cycle, reorder_units::text, sold_last_28_days::text, low_cover, computed_at
               FROM replenishment_forecasts
              WHERE ($1::text IS NULL OR sku LIKE $1 || '%')
                AND ($2::boolean IS NULL OR low_cover = $2)
              ORDER BY days_of_cover ASC NULLS LAST, sku
              LIMIT $3 OFFSET $4`,
            [query.prefix ? likeLiteral(query.prefix) : null, query.low ?? null, limit, offset],
          )
        : { rows: [] as ForecastRow[] };
    const items = rows.map((r) => ({
      sku: r.sku,
      available: Number(r.available),
      velocity: round(r.velocity, 3)!,
      daysOfCover: round(r.days_of_cover, 2),
      leadTimeDays: r.lead_time_days,
      safetyStockUnits: Number(r.safety_stock_units),
      demandOverCycle: round(r.demand_over_cycle, 2)!,
      reorderUnits: Number(r.reorder_units),
      soldLast28Days: Number(r.sold_last_28_days),
      lowCover: r.low_cover,
      computedAt: r.computed_at.toISOString(),
    }));
    if (query.format === 'csv') {
      const body = Buffer.from(`\uFEFF${toCsv(CSV_COLUMNS, items)}`);
      return new StreamableFile(body, {
        type: 'text/csv; charset=utf-8',
        disposition: 'attachment; filename="replenishment.csv"',
        length: body.length,
      });
    }
    return { items, next: rows.length === limit ? offset + limit : null };
  }

  @Get(':sku')
  @ApiOperation({
    summary:
      "One SKU computed now: velocity, weekday factors, days of cover, reorder, its settings, its daily sales and the forecast's next days",
  })
  @ApiOkResponse({ description: 'API.NOT_FOUND (404) if the projector has not seen the SKU' })
  async get(@Param() { sku }: SkuParams) {
    const stock = await this.service.stockOf(sku);
    if (!stock) throw ApiError.notFound(`no SKU ${sku} in the read models`);
    const [forecast] = await this.service.forecast([stock], new Date());
    return this.detail(forecast!);
  }

  @Put(':sku/settings')
  @Roles('inventory-admin')
  @ApiOperation({
    summary:
      "Set a SKU's lead time (days) and safety stock (units); null returns one to the default. Recorded with the caller",
  })
  @ApiOkResponse({
    description: 'The SKU computed with its new settings; API.NOT_FOUND (404) for an unknown SKU',
  })
  async putSettings(
    @Param() { sku }: SkuParams,
    @Body() body: ReplenishmentSettingsDto,
    @CurrentPrincipal() caller: Principal,
  ) {
    const stock = await this.service.stockOf(sku);
    if (!stock) throw ApiError.notFound(`no SKU ${sku} in the read models`);
    const forecast = await this.service.changeSettings(stock, body, caller.name, new Date());
    return this.detail(forecast);
  }

  private detail(f: SkuForecast) {
    const horizon = Math.max(14, f.leadTimeDays + this.config.reviewPeriodDays);
    return {
      sku: f.sku,
      tracked: f.tracked,
      available: f.available,
      velocity: round(f.velocity, 3),
      daysOfCover: round(f.daysOfCover, 2),
      lowCover: f.lowCover,
      demandOverCycle: round(f.demandOverCycle, 2),
      reorderUnits: f.reorderUnits,
      soldLast28Days: f.soldLast28Days,
      settings: {
        leadTimeDays: f.leadTimeDays,
        leadTimeSource: f.own?.leadTimeDays != null ? 'sku' : 'default',
        safetyStockUnits: f.safetyStockUnits,
        safetyStockSource: f.own?.safetyStockUnits != null ? 'sku' : 'default',
        reviewPeriodDays: this.config.reviewPeriodDays,
        updatedBy: f.own?.updatedBy ?? null,
        updatedAt: f.own?.updatedAt.toISOString() ?? null,
      },
      weekdayFactors: Object.fromEntries(WEEKDAYS.map((d, i) => [d, round(f.model.factors[i]!, 3)])),
      timeZone: this.config.timeZone,
      history: f.history.units.map((units, i) => ({ day: addDay(f.from, i), units })),
      forecast: this.service
        .forecastCalendar(f, horizon)
        .map(({ day, units }) => ({ day, units: round(units, 2) })),
    };
  }
}

function addDay(from: string, days: number): string {
  const ms = Date.parse(`${from}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}
