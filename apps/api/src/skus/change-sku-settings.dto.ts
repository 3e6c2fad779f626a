import { ApiPropertyOptional } from '@nestjs/swagger';
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
    description: 'Most units one order may take; null: no cap; left out: unchanged',
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  perOrderCap?: number | null;
}
