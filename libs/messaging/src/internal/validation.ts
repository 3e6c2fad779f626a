import type { PayloadClass } from '../catalogue/define-topic';
import { compileValidator, type CompiledValidator, type Validated } from './compiled-validation';

export type { Validated };

const strictValidators = new Map<Function, CompiledValidator<object>>();
const lenientValidators = new Map<Function, CompiledValidator<object>>();

/**
 * Checks a plain value against a payload class's class-validator decorators, with the class's validator compiled
 * on first use (see compiled-validation.ts). Strict (the default): unknown properties are errors, not silently
 * dropped, so a payload carrying a field the schema does not know (a card-key secret, say) is rejected rather
 * than half-read. The value returned is the checked plain value itself.
 */
export function validateAs<P extends object>(
  cls: PayloadClass<P>,
  plain: unknown,
  strict = true,
): Validated<P> {
  const cache = strict ? strictValidators : lenientValidators;
  let validator = cache.get(cls);
  if (!validator) {
    validator = compileValidator(cls, strict) as CompiledValidator<object>;
    cache.set(cls, validator);
  }
  return validator(plain) as Validated<P>;
}
