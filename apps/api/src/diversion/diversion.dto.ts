import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DIVERSION_LIMITS, RULE_TYPES, VOLUME_MEASURES, VOLUME_SUBJECTS } from '@libs/diversion';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmptyObject,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsIdentifier as IsListedIdentifier } from '@libs/messaging';
import { IsIdentifier } from '../common/identifiers';

const L = DIVERSION_LIMITS;
const REGION_NAME = /^[^\s\p{Cc}\p{Cf}]{1,32}$/u;
const REGION_MESSAGE = { message: '$property must be 1 to 32 characters without whitespace' };

export class RuleScopeDto {
  @ApiPropertyOptional({ description: 'Only this SKU', example: 'steam-wallet-100' })
  @IsOptional()
  @IsIdentifier()
  sku?: string;

  @ApiPropertyOptional({
    description: 'Only SKUs starting with this (SKUs have no category; a prefix groups them)',
    example: 'steam-',
  })
  @IsOptional()
  @IsIdentifier()
  skuPrefix?: string;

  @ApiPropertyOptional({ type: [String], description: 'Only orders of these channels; absent or empty: any' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.maxScopeEntries)
  @IsListedIdentifier({ each: true })
  channels?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Only orders of these shops or 分站 (sale.shop); absent or empty: any',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.maxScopeEntries)
  @IsListedIdentifier({ each: true })
  shops?: string[];
}

export class AllowedRegionDto {
  @ApiProperty({ example: '浙江' })
  @IsString()
  @Matches(REGION_NAME, REGION_MESSAGE)
  province!: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['杭州'],
    description: 'Only these cities of the province; absent: all',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.maxCitiesPerRegion)
  @IsString({ each: true })
  @Matches(REGION_NAME, { ...REGION_MESSAGE, each: true })
  cities?: string[];
}

/** One check; `type` says which fields apply (the others are refused by the rule's own validation). */
export class RuleCheckDto {
  @ApiProperty({ enum: RULE_TYPES })
  @IsIn(RULE_TYPES)
  type!: (typeof RULE_TYPES)[number];

  @ApiPropertyOptional({ description: 'price-floor: the floor in fen (integer)', example: 9000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(L.maxPriceFen)
  floorFen?: number;

  @ApiPropertyOptional({
    description:
      "price-floor: the reference price in fen, with maxDiscountPercent; left out, the reference is the order's channel's own selling price (channel_stock.price)",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(L.maxPriceFen)
  referenceFen?: number;

  @ApiPropertyOptional({
    description: 'price-floor: at most this many per cent under the reference (0 to 99)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(99)
  maxDiscountPercent?: number;

  @ApiPropertyOptional({
    type: [AllowedRegionDto],
    description: 'region: the provinces (and cities) allowed',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(L.maxRegions)
  @ValidateNested({ each: true })
  @Type(() => AllowedRegionDto)
  allowed?: AllowedRegionDto[];

  @ApiPropertyOptional({ enum: VOLUME_SUBJECTS, description: 'volume: counted per buyer, IP or shop' })
  @IsOptional()
  @IsIn(VOLUME_SUBJECTS)
  per?: (typeof VOLUME_SUBJECTS)[number];

  @ApiPropertyOptional({ enum: VOLUME_MEASURES, description: 'volume: units or orders' })
  @IsOptional()
  @IsIn(VOLUME_MEASURES)
  measure?: (typeof VOLUME_MEASURES)[number];

  @ApiPropertyOptional({ description: 'volume: more than this within the window alerts' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(L.maxThreshold)
  max?: number;
}

export class DiversionRuleDto {
  @ApiProperty({ example: '杭州分站 steam floor' })
  @IsString()
  @MinLength(1)
  @MaxLength(L.maxNameLength)
  @Matches(/^[^\p{Cc}\p{Cf}]+$/u, { message: 'name must have no control characters' })
  name!: string;

  @ApiPropertyOptional({ type: RuleScopeDto, description: 'Absent: every SKU, channel and shop' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RuleScopeDto)
  scope?: RuleScopeDto;

  @ApiProperty({ type: RuleCheckDto })
  @IsObject()
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => RuleCheckDto)
  check!: RuleCheckDto;

  @ApiProperty({
    description:
      'Violation window in minutes (1 to 10080): one alert per rule and subject per window; the volume window',
    example: 60,
  })
  @IsInt()
  @Min(1)
  @Max(L.maxWindowMinutes)
  windowMinutes!: number;
}

export class RuleIdParams {
  @ApiProperty({ example: '1' })
  @Matches(/^[1-9][0-9]{0,15}$/, { message: 'id must be a rule number' })
  id!: string;
}

export class ListDiversionAlertsQuery {
  @ApiPropertyOptional({ description: 'Only alerts of this rule id' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,15}$/, { message: 'rule must be a rule number' })
  rule?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsIdentifier()
  sku?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsIdentifier()
  channel?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsIdentifier()
  shop?: string;

  @ApiPropertyOptional({ description: 'First violation at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'First violation before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset?: number;
}
