import { ApiProperty } from '@nestjs/swagger';
import {
  IsIdentifier as IsNormalIdentifier,
  MAX_IDENTIFIER_LENGTH,
  normaliseIdentifier,
} from '@libs/messaging';
import { Transform } from 'class-transformer';

/**
 * SKUs, channels, pool, batch, adjustment and order ids follow the one identifier rule of `@libs/messaging`
 * (`normaliseIdentifier`), the same as webhooks and topic schemas: NFKC-normalised, no control, format
 * (zero-width, bidi) or whitespace characters, 1 to 128 characters, letters of any script. Until now the API
 * took only `[A-Za-z0-9._:@/-]`, so a Chinese SKU code that arrived through a webhook could not be queried,
 * adjusted or released here; every id it took before is still taken.
 *
 * This pattern is a first filter for places that only test (CSV rows); it does not normalise.
 */
export const ID_PATTERN = new RegExp(`^[^\\p{Cc}\\p{Cf}\\p{Cs}\\p{Z}\\s]{1,${MAX_IDENTIFIER_LENGTH}}$`, 'u');

/** Normalises (fullwidth `ＳＫＵ１` becomes `SKU1`), then validates; a refusal is `API.VALIDATION_FAILED`. */
export const IsIdentifier = (): PropertyDecorator => (target, property) => {
  Transform(({ value }) => {
    const result = normaliseIdentifier(value);
    return result.ok ? result.value : value;
  })(target, property);
  IsNormalIdentifier()(target, property);
};

export class SkuParams {
  @ApiProperty({ example: 'steam-wallet-50' })
  @IsIdentifier()
  sku!: string;
}
