import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MARKUP_KINDS,
  MAX_CHANNEL_PRICE_RULES,
  MAX_MARKUP_BASIS_POINTS,
  MAX_PRICE_MINOR,
  type MarkupKind,
  ROUNDING_MODES,
  ROUNDING_STEPS,
  type RoundingMode,
} from '@libs/inventory';
import { CHANNEL_PATTERN } from '@libs/messaging';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export class MarkupRuleDto {
  @ApiProperty({
    enum: MARKUP_KINDS,
    description: 'percent (basis points over cost), fixed (fen over cost), price (fen)',
  })
  @IsIn(MARKUP_KINDS)
  kind!: MarkupKind;

  @ApiProperty({ description: 'Basis points for percent (1500 = 15 %), fen otherwise', example: 1500 })
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_MINOR)
  value!: number;
}

export class PriceRoundingDto {
  @ApiProperty({ enum: ROUNDING_STEPS, description: 'Round to a multiple of this many fen' })
  @IsIn(ROUNDING_STEPS)
  step!: number;

  @ApiProperty({ enum: ROUNDING_MODES })
  @IsIn(ROUNDING_MODES)
  mode!: RoundingMode;
}

/** `{channel: {kind, value}}` with channel codes as keys, at most MAX_CHANNEL_PRICE_RULES. */
function IsChannelRuleMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isChannelRuleMap',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const entries = Object.entries(value as Record<string, unknown>);
        return (
          entries.length <= MAX_CHANNEL_PRICE_RULES &&
          entries.every(([channel, rule]) => CHANNEL_PATTERN.test(channel) && isRule(rule))
        );
      },
      defaultMessage: () =>
        `channelRules must map at most ${MAX_CHANNEL_PRICE_RULES} channel codes to {kind: ${MARKUP_KINDS.join('|')}, value: whole number}`,
    },
  });
}

function isRule(rule: unknown): boolean {
  if (typeof rule !== 'object' || rule === null) return false;
  const { kind, value } = rule as { kind?: unknown; value?: unknown };
  const max = kind === 'percent' ? MAX_MARKUP_BASIS_POINTS : MAX_PRICE_MINOR;
  return (
    MARKUP_KINDS.includes(kind as MarkupKind) &&
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= 0 &&
    value <= max
  );
}

/** Amounts in fen (integer minor units). A field left out keeps its value; null removes it. */
export class SetPricingDto {
  @ApiPropertyOptional({ description: 'Face value (面值), fen', nullable: true, example: 1000 })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_MINOR)
  faceValue?: number | null;

  @ApiPropertyOptional({
    description: "Our cost per unit, fen (a supplier-backed SKU's cost is its supplier's price)",
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_MINOR)
  costPrice?: number | null;

  @ApiPropertyOptional({
    type: MarkupRuleDto,
    nullable: true,
    description: 'Every channel without a rule of its own',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @ValidateNested()
  @Type(() => MarkupRuleDto)
  defaultRule?: MarkupRuleDto | null;

  @ApiPropertyOptional({
    description: 'Per channel: {"substation-7": {"kind": "fixed", "value": 50}}; replaces the whole map',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/MarkupRuleDto' },
  })
  @IsOptional()
  @IsObject()
  @IsChannelRuleMap()
  channelRules?: Record<string, MarkupRuleDto>;

  @ApiPropertyOptional({ type: PriceRoundingDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PriceRoundingDto)
  rounding?: PriceRoundingDto;

  @ApiPropertyOptional({ description: 'Never sell below this, fen', nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_MINOR)
  floor?: number | null;
}
