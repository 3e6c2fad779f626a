import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_ORDER_QUANTITY } from '@libs/inventory';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { IsIdentifier } from '../common/identifiers';

export class OpenDedicatedPoolDto {
  @ApiProperty({ description: 'Used once per SKU', example: '618-flash-sale' })
  @IsIdentifier()
  poolId!: string;

  @ApiProperty({ minimum: 1, description: 'Units moved out of general availability' })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  quantity!: number;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_ORDER_QUANTITY)
  perOrderCap?: number | null;
}
