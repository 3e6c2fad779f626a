import { ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_ORDER_QUANTITY } from '@libs/inventory';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** A field left out keeps its value; null removes the limit. */
export class ChangeSkuSettingsDto {
  @ApiPropertyOptional({
    description: 'Low-stock alert when on hand falls to or under it; null: none; left out: unchanged',
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  lowStockThreshold?: number | null;

  @ApiPropertyOptional({
    description: 'Most units one order may take (at most 1,000,000); null: no cap; left out: unchanged',
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ORDER_QUANTITY)
  perOrderCap?: number | null;
}
