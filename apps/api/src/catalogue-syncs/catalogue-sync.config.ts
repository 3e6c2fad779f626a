import { defineConfig } from '@libs/config';
import { SUPPLIER_ID_PATTERN } from '@libs/suppliers';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, ValidateBy } from 'class-validator';
import { validateCronExpression } from 'cron';
import { DEFAULT_SKU_MAPPING, SKU_PREFIX_PATTERN, type SkuMapping } from './catalogue-diff';

/**
 * The SKU mapping per supplier, as JSON in CATALOGUE_SYNC_MAPPINGS: `{"main-station": {"skuPrefix": "ms-"}}`. A
 * supplier not named maps product ids to SKUs as they are (prefix ''). The body of POST /v1/catalogue/syncs may
 * override it for one sync; the schedule uses it as it is.
 */
export function parseSkuMappings(json: string): Map<string, SkuMapping> {
  const mappings = new Map<string, SkuMapping>();
  if (json.trim() === '') return mappings;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('CATALOGUE_SYNC_MAPPINGS must be a JSON object of supplier id → {skuPrefix}');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('CATALOGUE_SYNC_MAPPINGS must be a JSON object of supplier id → {skuPrefix}');
  for (const [supplierId, value] of Object.entries(raw as Record<string, unknown>)) {
    const where = `CATALOGUE_SYNC_MAPPINGS.${supplierId}`;
    if (!SUPPLIER_ID_PATTERN.test(supplierId)) throw new Error(`${where}: not a supplier id`);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`${where} must be an object`);
    const { skuPrefix, skuFrom, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new Error(`${where}: unknown field ${unknown[0]}`);
    if (skuPrefix !== undefined && (typeof skuPrefix !== 'string' || !SKU_PREFIX_PATTERN.test(skuPrefix)))
      throw new Error(`${where}.skuPrefix must be 0 to 64 characters without spaces or control characters`);
    if (skuFrom !== undefined && skuFrom !== 'productId')
      throw new Error(`${where}.skuFrom must be productId`);
    mappings.set(supplierId, {
      skuPrefix: (skuPrefix as string | undefined) ?? DEFAULT_SKU_MAPPING.skuPrefix,
      skuFrom: 'productId',
    });
  }
  return mappings;
}

function messageOf(parse: () => unknown): string {
  try {
    parse();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

export class CatalogueSyncConfig {
  /** Cron (seconds field optional) of the scheduled preview of every supplier's catalogue; unset: none. */
  @IsOptional()
  @IsString()
  @ValidateBy({
    name: 'cron',
    validator: {
      validate: (value: unknown) => validateCronExpression(String(value)).valid,
      defaultMessage: () => 'must be a cron expression, e.g. 0 0 3 * * * (seconds field optional)',
    },
  })
  schedule?: string;

  /** The schedule applies each preview whole (new and changed rows) instead of leaving it to an operator. */
  @IsBoolean()
  autoApply!: boolean;

  @ValidateBy({
    name: 'skuMappings',
    validator: {
      validate: (value: unknown) => messageOf(() => parseSkuMappings(String(value ?? ''))) === '',
      defaultMessage: (args) => messageOf(() => parseSkuMappings(String(args?.value ?? ''))),
    },
  })
  mappingsJson!: string;

  /** Most products one sync reads; a longer catalogue fails the sync (a partial one would report false `gone`). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxProducts!: number;

  /** Syncs (and their rows) older than this many days are deleted, a few after each new preview. */
  @IsInt()
  @Min(1)
  @Max(3_650)
  retentionDays!: number;

  /** Longest time one sync may spend reading the catalogue. */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  timeoutMs!: number;
}

export const catalogueSyncConfig = defineConfig('catalogue-sync', CatalogueSyncConfig, {
  schedule: { name: 'CATALOGUE_SYNC_SCHEDULE' },
  autoApply: { name: 'CATALOGUE_SYNC_AUTO_APPLY', parse: 'boolean', default: 'false' },
  mappingsJson: { name: 'CATALOGUE_SYNC_MAPPINGS', default: '' },
  maxProducts: { name: 'CATALOGUE_SYNC_MAX_PRODUCTS', parse: 'int', default: '100000' },
  timeoutMs: { name: 'CATALOGUE_SYNC_TIMEOUT_MS', parse: 'int', default: '300000' },
  retentionDays: { name: 'CATALOGUE_SYNC_RETENTION_DAYS', parse: 'int', default: '30' },
});
