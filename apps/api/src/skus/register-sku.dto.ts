import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_ORDER_QUANTITY, STOCK_KINDS, type StockKind } from '@libs/inventory';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsIdentifier } from '../common/identifiers';

export class RegisterSkuDto {
  @ApiProperty({ example: 'steam-wallet-50' })
  @IsIdentifier()
  sku!: string;

  @ApiProperty({ enum: STOCK_KINDS, description: 'quantity (counted), cardKey (unique keys), unlimited' })
  @IsIn(STOCK_KINDS)
  kind!: StockKind;

  @ApiPropertyOptional({
    description: 'Low-stock alert when on hand falls to or under it; null: none',
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  lowStockThreshold?: number | null;

  @ApiPropertyOptional({
    description:
      'Most units one order may take (at most 1,000,000, the most any order may take); null: no cap',
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ORDER_QUANTITY)
  perOrderCap?: number | null;
}
