import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ADJUSTMENT_REASONS, type AdjustmentReason } from '@libs/inventory';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, NotEquals } from 'class-validator';
import { IsIdentifier } from '../common/identifiers';

export class AdjustStockDto {
  @ApiProperty({ description: 'Makes a repeated adjustment a no-op', example: 'count-2024-06-01' })
  @IsIdentifier()
  adjustmentId!: string;

  @ApiProperty({ description: 'Units added (positive) or removed (negative); never 0' })
  @IsInt()
  @NotEquals(0)
  @Min(-1_000_000_000)
  @Max(1_000_000_000)
  delta!: number;

  @ApiProperty({ enum: ADJUSTMENT_REASONS })
  @IsIn(ADJUSTMENT_REASONS)
  reason!: AdjustmentReason;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}
