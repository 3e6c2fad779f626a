import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_PRIORITY, MAX_PRICE_MINOR, MAX_RULE_LIST_LENGTH, ORDER_RULE_ACTIONS } from '@libs/inventory';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsIdentifier as IsNormalIdentifier } from '@libs/messaging';
import { IsIdentifier } from '../common/identifiers';

export class OrderRuleParams {
  @ApiProperty({
    example: 'hold-big-orders',
    description: 'The rule id the operator chooses (A–Z, a–z, 0–9, - and _)',
  })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { message: 'ruleId must be 1 to 64 letters, digits, - or _' })
  ruleId!: string;
}

/** Every field present must match; a list matches any of its values. */
export class OrderRuleConditionDto {
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_RULE_LIST_LENGTH)
  @IsNormalIdentifier({ each: true })
  skus?: string[];

  @ApiPropertyOptional({ example: 'GAME-' })
  @IsOptional()
  @IsIdentifier()
  skuPrefix?: string;

  @ApiPropertyOptional({ enum: ['quantity', 'cardKey', 'unlimited', 'supplier'], isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(['quantity', 'cardKey', 'unlimited', 'supplier'], { each: true })
  kinds?: ('quantity' | 'cardKey' | 'unlimited' | 'supplier')[];

  @ApiPropertyOptional({ type: [String], example: ['taobao'] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_RULE_LIST_LENGTH)
  @Matches(/^[a-z][a-z0-9_-]{0,63}$/, { each: true, message: 'channels must be channel codes' })
  channels?: string[];

  @ApiPropertyOptional({
    description: 'Fen: unit price paid × quantity (an order with no price never matches)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_MINOR)
  minAmount?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_MINOR)
  maxAmount?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  minQuantity?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  maxQuantity?: number;

  @ApiPropertyOptional({ type: [String], description: "The platforms' opaque buyer ids" })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_RULE_LIST_LENGTH)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  buyerRefs?: string[];

  @ApiPropertyOptional({ type: [String], example: ['vip'] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_RULE_LIST_LENGTH)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  buyerLevels?: string[];
}

export class OrderRuleActionDto {
  @ApiProperty({ enum: ORDER_RULE_ACTIONS })
  @IsIn(ORDER_RULE_ACTIONS)
  type!: (typeof ORDER_RULE_ACTIONS)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PRIORITY, description: 'priority: higher first' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PRIORITY)
  priority?: number;

  @ApiPropertyOptional({ description: 'route: a supplier SUPPLIERS names, tried first' })
  @IsOptional()
  @IsIdentifier()
  supplierId?: string;

  @ApiPropertyOptional({
    example: 'BLOCKED_BUYER',
    description: 'refuse: the reason code shown with ORDER_RULE_REFUSED',
  })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_.]{0,63}$/, { message: 'code must be an upper-case code (A-Z, 0-9, _ and .)' })
  code?: string;
}

export class PutOrderRuleDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 1_000_000, description: 'Lower first; default 100' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  position?: number;

  @ApiPropertyOptional({ description: 'Default true' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiProperty({ type: OrderRuleConditionDto })
  @IsObject()
  @ValidateNested()
  @Type(() => OrderRuleConditionDto)
  when!: OrderRuleConditionDto;

  @ApiProperty({ type: OrderRuleActionDto })
  @IsObject()
  @ValidateNested()
  @Type(() => OrderRuleActionDto)
  then!: OrderRuleActionDto;
}
