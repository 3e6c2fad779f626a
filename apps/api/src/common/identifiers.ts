import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** SKUs, channels, pool, batch, adjustment and order ids: printable, no spaces, bounded. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
export const ID_MESSAGE = '$property must be 1-128 of [A-Za-z0-9._:@/-], starting with a letter or digit';

export const IsIdentifier = () => Matches(ID_PATTERN, { message: ID_MESSAGE });

export class SkuParams {
  @ApiProperty({ example: 'steam-wallet-50' })
  @IsIdentifier()
  sku!: string;
}
