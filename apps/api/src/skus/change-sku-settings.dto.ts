import { ApiPropertyOptional } from '@nestjs/swagger';
import { DELIVERY_MODES, type DeliveryMode, MAX_ORDER_QUANTITY } from '@libs/inventory';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

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

  @ApiPropertyOptional({
    enum: DELIVERY_MODES,
    description:
      'Card keys only: automatic (自动发货, keys picked at payment) or manual (手动发货, a paid order waits, its stock held, until an operator gives it keys); left out: unchanged',
  })
  @IsOptional()
  @IsIn(DELIVERY_MODES)
  deliveryMode?: DeliveryMode;
}
