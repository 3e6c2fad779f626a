import { ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_PLAN_DAYS, MAX_SAFETY_STOCK_UNITS } from '@libs/replenishment';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

export const LIST_FORMATS = ['json', 'csv'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

/** The most rows one page (or one CSV export) of GET /v1/replenishment holds. */
export const MAX_LIST_LIMIT = 10_000;

export class ListReplenishmentQuery {
  @ApiPropertyOptional({
    description: 'Only SKUs starting with this text (case-sensitive)',
    example: 'steam-',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[^\p{Cc}\p{Cf}]*$/u, { message: 'prefix must have no control characters' })
  prefix?: string;

  @ApiPropertyOptional({ description: 'Only SKUs whose days of cover are below their lead time' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  low?: boolean;

  @ApiPropertyOptional({ default: 100, maximum: MAX_LIST_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIST_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    default: 0,
    description: 'Rows to skip (the list is ordered by days of cover, then SKU)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  offset?: number;

  @ApiPropertyOptional({ enum: LIST_FORMATS, description: 'json (default) or csv (a UTF-8 file with a BOM)' })
  @IsOptional()
  @IsIn(LIST_FORMATS)
  format?: ListFormat;
}

/** A field left out keeps its value; null returns it to the configured default. */
export class ReplenishmentSettingsDto {
  @ApiPropertyOptional({
    description: `Days from ordering upstream to the units being sellable, 1–${MAX_PLAN_DAYS}; null: REPLENISHMENT_LEAD_TIME_DAYS`,
    nullable: true,
    example: 10,
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_PLAN_DAYS)
  leadTimeDays?: number | null;

  @ApiPropertyOptional({
    description:
      'Units to hold beyond the expected demand, 0–1e12; null: REPLENISHMENT_SAFETY_STOCK_DAYS days of velocity',
    nullable: true,
    example: 50,
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_SAFETY_STOCK_UNITS)
  safetyStockUnits?: number | null;
}
