import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_SUPPLIER_STOCK } from '@libs/inventory';
import { IsIdentifier as IsNormalIdentifier } from '@libs/messaging';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsIdentifier } from '../common/identifiers';
import { SKU_PREFIX_PATTERN, SYNC_ROW_STATUSES, type SyncRowStatus } from './catalogue-diff';

/** Most product ids one apply may name (the JSON body is limited to 100 kB); without a list the whole sync applies. */
export const MAX_APPLY_ROWS = 1_000;

export class SkuMappingDto {
  @ApiPropertyOptional({
    description:
      'Put before each product id to make its SKU (0–64 characters, no spaces). Default: CATALOGUE_SYNC_MAPPINGS ' +
      "for the supplier, else '' (the SKU is the product id)",
    example: 'ms-',
  })
  @IsOptional()
  @IsString()
  @Matches(SKU_PREFIX_PATTERN, {
    message: 'skuPrefix must be 0 to 64 characters without spaces or control characters',
  })
  skuPrefix?: string;

  @ApiPropertyOptional({
    enum: ['productId'],
    description: 'The field the SKU is made from (only productId)',
  })
  @IsOptional()
  @IsIn(['productId'])
  skuFrom?: 'productId';
}

export class StartCatalogueSyncDto {
  @ApiProperty({ description: 'A supplier SUPPLIERS names (the main station)', example: 'main-station' })
  @IsIdentifier()
  supplierId!: string;

  @ApiPropertyOptional({ type: SkuMappingDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SkuMappingDto)
  mapping?: SkuMappingDto;

  @ApiPropertyOptional({
    minimum: 0,
    description: 'Safety buffer of the SKUs this sync registers (default 0)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SUPPLIER_STOCK)
  safetyBuffer?: number;
}

export class ApplyCatalogueSyncDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_APPLY_ROWS,
    description: 'Apply only these products (their product ids); left out: every new and changed row',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_APPLY_ROWS)
  @IsNormalIdentifier({ each: true })
  rows?: string[];
}

export class SyncIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id!: string;
}

export class SyncRowsQuery {
  @ApiPropertyOptional({ enum: SYNC_ROW_STATUSES })
  @IsOptional()
  @IsIn(SYNC_ROW_STATUSES)
  status?: SyncRowStatus;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,9}$/, { message: 'cursor must be a nextCursor this route answered' })
  cursor?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ListSyncsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsIdentifier()
  supplierId?: string;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'cursor must be a nextCursor this route answered' })
  cursor?: string;

  @ApiPropertyOptional({ default: 20, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class FieldChangeDto {
  @ApiProperty({ enum: ['kind', 'supplierProduct', 'supplyPrice', 'stock', 'status'] }) field!: string;
  @ApiPropertyOptional({ nullable: true, description: 'In StockSync (prices in fen)' }) old!: unknown;
  @ApiPropertyOptional({ nullable: true, description: 'In the catalogue (prices in fen)' }) new!: unknown;
}

export class SyncRowDto {
  @ApiProperty() productId!: string;
  @ApiPropertyOptional({ nullable: true }) sku!: string | null;
  @ApiProperty({ enum: SYNC_ROW_STATUSES }) status!: SyncRowStatus;
  @ApiPropertyOptional({
    description: "The catalogue's product: name, faceValue, supplyPrice, stock, status, kind",
  })
  product?: object;
  @ApiPropertyOptional({ type: [FieldChangeDto] }) changes?: FieldChangeDto[];
  @ApiPropertyOptional({
    enum: ['invalid_sku', 'duplicate_product', 'duplicate_sku', 'kind_conflict', 'too_many_suppliers'],
  })
  reason?: string;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ description: 'gone: what the supplier last reported' }) last?: object;
  @ApiPropertyOptional({
    nullable: true,
    description:
      'Null until an apply covered the row: {at, by} of the first apply that brought it in, {result, reason} of the latest',
  })
  applied!: object | null;
}

export class CatalogueSyncDto {
  @ApiProperty() syncId!: string;
  @ApiProperty() supplierId!: string;
  @ApiProperty({ description: '{skuPrefix, skuFrom}' }) mapping!: object;
  @ApiPropertyOptional({ nullable: true }) safetyBuffer!: number | null;
  @ApiProperty({ enum: ['operator', 'schedule'] }) source!: string;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ description: 'When reading the catalogue began' }) fetchedAt!: Date;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() products!: number;
  @ApiProperty({ description: 'Rows per status: new, changed, unchanged, gone, invalid' })
  counts!: Record<string, number>;
  @ApiPropertyOptional({ nullable: true }) firstAppliedAt!: Date | null;
  @ApiPropertyOptional({ nullable: true }) firstAppliedBy!: string | null;
  @ApiPropertyOptional({ nullable: true }) lastAppliedAt!: Date | null;
  @ApiPropertyOptional({ nullable: true }) lastAppliedBy!: string | null;
}

export class CatalogueSyncPageDto extends CatalogueSyncDto {
  @ApiProperty({ type: [SyncRowDto] }) rows!: SyncRowDto[];
  @ApiPropertyOptional({ nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  nextCursor!: string | null;
}
