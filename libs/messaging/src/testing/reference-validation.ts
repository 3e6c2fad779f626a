import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { PayloadClass } from '../catalogue/define-topic';
import type { Validated } from '../internal/compiled-validation';

/**
 * class-validator's own executor on class-transformer's instances — how the codec validated before its validators
 * were compiled. Kept as the oracle the compiled validators are held to, and as the benchmark's baseline.
 */
export function referenceValidate<P extends object>(
  cls: PayloadClass<P>,
  plain: unknown,
  strict = true,
): Validated<P> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { ok: false, problems: ['must be a JSON object'] };
  }
  const instance = plainToInstance(cls, plain) as P;
  const errors = validateSync(instance, {
    whitelist: strict,
    forbidNonWhitelisted: strict,
    forbidUnknownValues: true,
  });
  if (errors.length === 0) return { ok: true, value: instance };
  return { ok: false, problems: flatten(errors) };
}

function flatten(errors: ValidationError[], path = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const at = path ? `${path}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push(`${at}: ${message}`);
    if (e.children?.length) out.push(...flatten(e.children, at));
  }
  return out;
}
