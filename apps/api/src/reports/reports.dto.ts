import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  DEFAULT_REPORT_ROWS,
  MAX_REPORT_ROWS,
  REPEAT_PERIODS,
  REPORT_NAMES,
  type RepeatPeriod,
} from '@libs/reports';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, Max, MaxDate, Min, MinDate } from 'class-validator';
import { IsIdentifier } from '../common/identifiers';

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Times a report may name: the store holds nothing older, and a far-future bound is a typo. */
const EARLIEST = new Date('2000-01-01T00:00:00Z');
const LATEST = new Date('2100-01-01T00:00:00Z');

export class ReportParams {
  @ApiProperty({ enum: REPORT_NAMES })
  @IsIn(REPORT_NAMES)
  name!: (typeof REPORT_NAMES)[number];
}

export class ReportQueryDto {
  @ApiPropertyOptional({ description: 'Start, inclusive (ISO 8601). Default: 7 days before `to`' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(EARLIEST)
  @MaxDate(LATEST)
  from?: Date;

  @ApiPropertyOptional({ description: 'End, exclusive (ISO 8601). Default: now' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(EARLIEST)
  @MaxDate(LATEST)
  to?: Date;

  @ApiPropertyOptional() @IsOptional() @IsIdentifier() sku?: string;

  @ApiPropertyOptional({ description: 'Not taken by stock-turnover: stock is shared by every channel' })
  @IsOptional()
  @IsIdentifier()
  channel?: string;

  @ApiPropertyOptional({ enum: REPEAT_PERIODS, description: 'repeat-purchase only; default day' })
  @IsOptional()
  @IsIn(REPEAT_PERIODS)
  period?: RepeatPeriod;

  @ApiPropertyOptional({ default: DEFAULT_REPORT_ROWS, maximum: MAX_REPORT_ROWS })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_REPORT_ROWS)
  limit?: number;

  @ApiPropertyOptional({
    enum: REPORT_FORMATS,
    description: 'csv: the same rows as CSV (also with Accept: text/csv)',
  })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;
}
