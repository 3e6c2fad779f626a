import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UploadReportDto } from '../uploads/upload-report';
import type { InvalidReason } from './import-rows';

export const ROW_RESULTS = ['imported', 'duplicate_in_file', 'already_in_pool', 'invalid'] as const;
export type RowResult = (typeof ROW_RESULTS)[number];

export class ImportIssueDto {
  @ApiProperty({
    description:
      '1-based line of the file (for CSV, the line the record starts on; for .xlsx, the row number)',
  })
  line!: number;

  @ApiProperty({ enum: ['duplicate_in_file', 'already_in_pool', 'invalid'] })
  result!: Exclude<RowResult, 'imported'>;

  @ApiPropertyOptional({ description: 'duplicate_in_file: the line holding the first copy' })
  duplicateOfLine?: number;

  @ApiPropertyOptional({
    description:
      'invalid: line_too_long, secret_too_long, invalid_encoding, malformed_csv, missing_field, example_row ' +
      '(the template example key), unit_id_taken',
  })
  reason?: InvalidReason;
}

/** Everything but the imported rows is listed one by one; secrets never appear, only line numbers. */
export class ImportReportDto extends UploadReportDto {
  @ApiProperty() sku!: string;
  @ApiProperty({ enum: ['txt', 'csv', 'xlsx'] }) format!: string;
  @ApiProperty() imported!: number;
  @ApiProperty() duplicateInFile!: number;
  @ApiProperty() alreadyInPool!: number;
  @ApiProperty() invalid!: number;
  @ApiProperty({ description: 'Stream version after the import (0 when nothing was imported)' })
  version!: number;
  @ApiProperty({ type: [ImportIssueDto] }) issues!: ImportIssueDto[];
  @ApiPropertyOptional({
    description:
      'Only on a preview (dryRun=true): true; imported counts what would be imported, nothing was written',
  })
  dryRun?: true;
}
