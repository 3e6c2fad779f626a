import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  MAX_SUPPLIER_STOCK,
  MAX_SUPPLIERS_PER_SKU,
  SUPPLY_FULFILMENTS,
  type SupplyFulfilment,
} from '@libs/inventory';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsIdentifier } from '../common/identifiers';

export class SupplierLinkDto {
  @ApiProperty({ description: 'A supplier SUPPLIERS names', example: 'main-station' })
  @IsIdentifier()
  supplierId!: string;

  @ApiProperty({ description: "The supplier's own id of the product this SKU resells", example: 'STEAM-100' })
  @IsIdentifier()
  productId!: string;
}

export class ConfigureSupplyDto {
  @ApiProperty({
    type: [SupplierLinkDto],
    maxItems: MAX_SUPPLIERS_PER_SKU,
    description:
      'The whole list, in priority order (a paid order goes to the first supplier on sale first); each supplier ' +
      'once. A supplier kept keeps its last report; one left out is dropped. An empty list unlinks them all.',
  })
  @IsArray()
  @ArrayMaxSize(MAX_SUPPLIERS_PER_SKU)
  @ArrayUnique((link: SupplierLinkDto) => link?.supplierId, {
    message: 'suppliers must name each supplier once',
  })
  @ValidateNested({ each: true })
  @Type(() => SupplierLinkDto)
  suppliers!: SupplierLinkDto[];

  @ApiPropertyOptional({
    minimum: 0,
    description:
      'Units never offered on the channels whatever the suppliers report; left out: unchanged (0 at first)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SUPPLIER_STOCK)
  safetyBuffer?: number;

  @ApiPropertyOptional({
    enum: SUPPLY_FULFILMENTS,
    description:
      'What the suppliers provide: cardKey (keys come back and are delivered) or topUp (直充: the order names an ' +
      "account, the supplier credits quantity × the SKU's face value). Left out: unchanged (cardKey at first)",
  })
  @IsOptional()
  @IsIn(SUPPLY_FULFILMENTS)
  fulfilment?: SupplyFulfilment;
}
