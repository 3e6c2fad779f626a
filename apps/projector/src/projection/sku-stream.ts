import { skuStreamId } from '@libs/inventory-application';

/** The inventory names one stream per SKU with skuStreamId; its prefix is read from that function itself. */
const SKU_STREAM_PREFIX = skuStreamId('');

/** The SKU of an inventory stream, or null for any other stream in the store (not projected here). */
export function skuFromStreamId(streamId: string): string | null {
  return streamId.startsWith(SKU_STREAM_PREFIX) && streamId.length > SKU_STREAM_PREFIX.length
    ? streamId.slice(SKU_STREAM_PREFIX.length)
    : null;
}
