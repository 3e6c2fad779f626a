import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { DIFFERENCE_CLASSES, type DifferenceClass } from '@libs/reconciliation';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class RunParams {
  @ApiProperty({ example: 42 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  id!: number;
}

export class ListRunsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class RunItemsQuery {
  @ApiPropertyOptional({ description: 'Only this channel (`*`: the truth check)' })
  @IsOptional()
  @Matches(/^(\*|[a-z][a-z0-9-]{0,31})$/, { message: 'channel must be a channel code or *' })
  channel?: string;

  @ApiPropertyOptional({ enum: DIFFERENCE_CLASSES })
  @IsOptional()
  @IsIn(DIFFERENCE_CLASSES)
  class?: DifferenceClass;
}
