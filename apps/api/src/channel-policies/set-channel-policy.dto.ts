import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';

/** The whole policy: a left-out field takes its default (buffer 0, share 100 %, no cap, no floor). */
export class SetChannelPolicyDto {
  @ApiPropertyOptional({ description: 'Safety stock kept off this channel', default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  bufferQuantity?: number;

  @ApiPropertyOptional({
    description: 'Share of availability listed, whole percent, rounded down',
    default: 100,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  sharePercent?: number;

  @ApiPropertyOptional({ description: 'Listing cap; null: none', nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  maxListed?: number | null;

  @ApiPropertyOptional({
    description: 'List 0 when the target is at or under this; null: never',
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  endWhenAtOrBelow?: number | null;

  @ApiPropertyOptional({ description: 'What an unlimited SKU lists on this channel', default: 9999 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  unlimitedListed?: number;
}
