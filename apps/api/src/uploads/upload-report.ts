import { ApiProperty } from '@nestjs/swagger';

/** What every file import reports about the file itself, whatever its rows hold. */
export class UploadReportDto {
  @ApiProperty() batchId!: string;
  @ApiProperty({ description: 'True when this batch id was imported before: nothing was applied this time' })
  replayed!: boolean;
  @ApiProperty({ description: 'Physical lines read (CSV header included)' }) lines!: number;
  @ApiProperty({ description: 'Rows that held something (blank lines and the CSV header excluded)' })
  rows!: number;
  @ApiProperty() blankLines!: number;
}
