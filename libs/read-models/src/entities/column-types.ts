import type { ValueTransformer } from 'typeorm';

/**
 * `pg` returns bigint columns as strings, since they can exceed 2^53. Versions and positions here never do,
 * so readers get plain numbers.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
