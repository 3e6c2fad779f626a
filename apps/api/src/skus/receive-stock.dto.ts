import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsIdentifier } from '../common/identifiers';

export class ReceiveStockDto {
  @ApiProperty({ description: 'Makes a repeated receipt a no-op', example: 'po-2024-0042' })
  @IsIdentifier()
  batchId!: string;

  @ApiProperty({ minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  quantity!: number;
}
