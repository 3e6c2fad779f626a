import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STOCK_KINDS, type StockKind } from '@libs/inventory';
import { UploadReportDto } from '../uploads/upload-report';
import type { RowInvalidReason } from './catalogue-row';

export const CATALOGUE_ROW_RESULTS = [
  'registered',
  'updated',
  'unchanged',
  'duplicate_in_file',
  'conflict',
  'invalid',
] as const;
export type CatalogueRowResult = (typeof CATALOGUE_ROW_RESULTS)[number];

/** `conflict`: the inventory refused the row (ALREADY_REGISTERED with another stock kind, or another refusal). */
export type ConflictReason = 'already_registered' | `inventory_${string}`;

export class SkuSettingsDto {
  @ApiProperty({ enum: STOCK_KINDS }) stockKind!: StockKind;
  @ApiProperty({ type: Number, nullable: true }) lowStockThreshold!: number | null;
  @ApiProperty({ type: Number, nullable: true }) perOrderCap!: number | null;
}

export class CatalogueRowReportDto {
  @ApiProperty({
    description: '1-based line of the file the row starts on (the header is line 1 when it leads)',
  })
  line!: number;

  @ApiPropertyOptional({ description: 'Absent when the row holds no valid SKU' })
  sku?: string;

  @ApiPropertyOptional({
    description: 'The mapped name column, echoed (the inventory keeps no product names)',
  })
  name?: string;

  @ApiProperty({ enum: CATALOGUE_ROW_RESULTS })
  result!: CatalogueRowResult;

  @ApiPropertyOptional({
    description:
      'invalid: line_too_long, invalid_encoding, malformed_csv, missing_field, missing_sku, invalid_sku, ' +
      'missing_stock_kind, unknown_stock_kind, invalid_low_stock_threshold, invalid_per_order_cap, name_too_long, ' +
      'example_row (the template example SKU); ' +
      'conflict: already_registered, or inventory_<reason> for another refusal',
  })
  reason?: RowInvalidReason | ConflictReason;

  @ApiPropertyOptional({ description: 'duplicate_in_file: the line of the first row naming this SKU' })
  duplicateOfLine?: number;

  @ApiPropertyOptional({
    type: SkuSettingsDto,
    description: 'conflict (already_registered): the settings the SKU already has',
  })
  current?: SkuSettingsDto;
}

/** Every row, in file order, with its outcome: the SKU ids make it a record of what the import did. */
export class CatalogueImportReportDto extends UploadReportDto {
  @ApiProperty({ description: 'New SKUs, each a SkuRegistered event attributed to the importing key' })
  registered!: number;
  @ApiProperty({
    description:
      'Existing SKUs whose threshold or per-order cap changed, each a SkuSettingsChanged event of the importing key',
  })
  updated!: number;
  @ApiProperty({ description: 'Already registered with exactly these settings: nothing appended' })
  unchanged!: number;
  @ApiProperty() duplicateInFile!: number;
  @ApiProperty() conflict!: number;
  @ApiProperty() invalid!: number;
  @ApiProperty({ type: [CatalogueRowReportDto] }) results!: CatalogueRowReportDto[];
  @ApiPropertyOptional({
    description:
      'Only on a preview (dryRun=true): true; the results say what the import would do, nothing was sent',
  })
  dryRun?: true;
}
