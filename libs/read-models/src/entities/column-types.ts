import { types, type CustomTypesConfig } from 'pg';
import type { ValueTransformer } from 'typeorm';

/**
 * `pg` returns bigint columns as strings, since they can exceed 2^53. Nothing here does: versions and positions
 * never get there, and quantities are bounded by the domain (MAX_ON_HAND = 1e12, lifetime receipts 1e15), so
 * readers get plain numbers. A value that could not be one exactly is refused rather than rounded.
 */
export function bigintToNumber(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`read-model value ${value} is not a safe integer`);
  return n;
}

export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : bigintToNumber(value)),
};

const INT8_OID = 20;

/**
 * Type parsers for plain-SQL readers of the read models: pass as the `types` of a query (or of a pool that only
 * reads them) to get bigint columns as numbers, every other type as `pg` parses it by default.
 */
export const readModelTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? bigintToNumber
      : types.getTypeParser(oid, format ?? 'text')) as CustomTypesConfig['getTypeParser'],
};
