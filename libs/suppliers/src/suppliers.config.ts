import { defineConfig } from '@libs/config';
import { ValidateBy } from 'class-validator';
import type { SupplierConfig } from './contract';
import { parseSupplierConfig } from './supplier-config';

/** The most suppliers one installation names: each is polled and may be forwarded to. */
export const MAX_SUPPLIERS = 50;

/**
 * The upstream suppliers (货源 / 主站) this installation buys from, as one JSON array in SUPPLIERS:
 * `[{"id":"main-station","baseUrl":"https://…","appId":"…","secret":"…","timeoutMs":3000,"pollIntervalMs":300000,
 * "noticesEnabled":true}]`. Read by the supplier connector (stock, forwarding) and the API (catalogue sync). Each
 * entry is checked by parseSupplierConfig; an error names the entry and field, never a secret.
 */
export function parseSuppliers(json: string): SupplierConfig[] {
  if (json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('SUPPLIERS must be a JSON array of supplier objects');
  }
  if (!Array.isArray(raw)) throw new Error('SUPPLIERS must be a JSON array of supplier objects');
  if (raw.length > MAX_SUPPLIERS) throw new Error(`SUPPLIERS names at most ${MAX_SUPPLIERS} suppliers`);
  const suppliers = raw.map((entry, i) => parseSupplierConfig(entry, `SUPPLIERS[${i}]`));
  const ids = new Set<string>();
  for (const s of suppliers) {
    if (ids.has(s.id)) throw new Error(`SUPPLIERS names ${s.id} twice`);
    ids.add(s.id);
  }
  return suppliers;
}

export class SuppliersConfig {
  @ValidateBy({
    name: 'suppliersJson',
    validator: {
      validate: (value: unknown) => {
        try {
          parseSuppliers(String(value ?? ''));
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: (args) => {
        try {
          parseSuppliers(String(args?.value ?? ''));
          return '';
        } catch (error) {
          return (error as Error).message;
        }
      },
    },
  })
  json!: string;
}

/** The suppliers, in the order SUPPLIERS lists them (validated when the config was loaded). */
export function suppliersOf(config: SuppliersConfig): SupplierConfig[] {
  return parseSuppliers(config.json);
}

export const suppliersConfig = defineConfig('suppliers', SuppliersConfig, {
  json: { name: 'SUPPLIERS', secret: true, default: '' },
});
