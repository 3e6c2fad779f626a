// class-transformer's @Type reads design-time metadata; load the polyfill before any payload class is defined.
import 'reflect-metadata';
import { Matches, registerDecorator, type ValidationOptions } from 'class-validator';

/** Lower-case channel code: `taobao`, `pinduoduo`, `miniprogram`, `shop`, `substation-42`. No ':' (it separates keys). */
export const CHANNEL_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
/** Longest identifier, counted in characters (code points) after normalisation. */
export const MAX_IDENTIFIER_LENGTH = 128;

export type IdentifierRefusal =
  | 'IDENTIFIER.NOT_A_STRING'
  | 'IDENTIFIER.EMPTY'
  | 'IDENTIFIER.TOO_LONG'
  | 'IDENTIFIER.CONTROL_CHARACTER'
  | 'IDENTIFIER.FORMAT_CHARACTER'
  | 'IDENTIFIER.WHITESPACE';

export type IdentifierCheck = { ok: true; value: string } | { ok: false; reason: IdentifierRefusal };

// Controls (NUL, DEL, C1) and lone surrogates: PostgreSQL text and jsonb reject NUL, UTF-8 cannot carry a surrogate.
const CONTROL = /[\p{Cc}\p{Cs}]/u;
// Zero-width space and joiners, BOM, bidi marks and isolates: invisible, so two ids that look alike would differ.
const FORMAT = /\p{Cf}/u;
// JavaScript's \s (which covers U+00A0, U+3000 and the line separators) and any other space separator.
const WHITESPACE = /[\s\p{Z}]/u;

/**
 * The one identifier rule for SKUs, order ids, pool, batch, adjustment and unit ids, wherever they enter: a
 * platform's webhook, a message on a topic, the HTTP API. NFKC first, so fullwidth `ＳＫＵ１` (as Chinese input
 * methods type it) is the SKU `SKU1` and not a different, unknown one; then control, format and whitespace
 * characters are refused rather than stripped, since a silently changed id would name another order. Letters of
 * any script are kept: a Chinese SKU code made through a webhook can be queried through the API.
 */
export function normaliseIdentifier(raw: unknown): IdentifierCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'IDENTIFIER.NOT_A_STRING' };
  // Bound the work before normalising: NFKC can expand a string, never by more than 18 times per character.
  if (raw.length > MAX_IDENTIFIER_LENGTH * 4) return { ok: false, reason: 'IDENTIFIER.TOO_LONG' };
  if (CONTROL.test(raw)) return { ok: false, reason: 'IDENTIFIER.CONTROL_CHARACTER' };
  if (FORMAT.test(raw)) return { ok: false, reason: 'IDENTIFIER.FORMAT_CHARACTER' };
  const value = raw.normalize('NFKC');
  if (CONTROL.test(value)) return { ok: false, reason: 'IDENTIFIER.CONTROL_CHARACTER' };
  if (FORMAT.test(value)) return { ok: false, reason: 'IDENTIFIER.FORMAT_CHARACTER' };
  if (value.length === 0) return { ok: false, reason: 'IDENTIFIER.EMPTY' };
  if (WHITESPACE.test(value)) return { ok: false, reason: 'IDENTIFIER.WHITESPACE' };
  if (codePoints(value) > MAX_IDENTIFIER_LENGTH) return { ok: false, reason: 'IDENTIFIER.TOO_LONG' };
  return { ok: true, value };
}

/** True when `value` passes the rule and is already in its normal form (what a message on a topic must carry). */
export function isNormalIdentifier(value: unknown): value is string {
  const result = normaliseIdentifier(value);
  return result.ok && result.value === value;
}

const REFUSAL_TEXT: Record<IdentifierRefusal, string> = {
  'IDENTIFIER.NOT_A_STRING': 'a string',
  'IDENTIFIER.EMPTY': 'not empty',
  'IDENTIFIER.TOO_LONG': `at most ${MAX_IDENTIFIER_LENGTH} characters`,
  'IDENTIFIER.CONTROL_CHARACTER': 'without control characters',
  'IDENTIFIER.FORMAT_CHARACTER': 'without invisible format characters (zero-width, bidi)',
  'IDENTIFIER.WHITESPACE': 'without whitespace',
};

/** Human words for why `value` is not a normal identifier, led by the stable code. */
export function describeIdentifierProblem(value: unknown): string {
  const result = normaliseIdentifier(value);
  if (result.ok) return 'IDENTIFIER.NOT_NORMALISED: in normal form (NFKC)';
  return `${result.reason}: ${REFUSAL_TEXT[result.reason]}`;
}

function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Reason codes as the inventory domain writes them: `INSUFFICIENT_STOCK`, `INVENTORY.OVER_ORDER_CAP`. */
export const REASON_CODE_PATTERN = /^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)*$/;

export function IsChannel(): PropertyDecorator {
  return Matches(CHANNEL_PATTERN, { message: '$property must be a lower-case channel code like "taobao"' });
}

/**
 * `{ each: true }` applies the rule to every element of an array property. Validation only: a message carries
 * the normalised form, so a fullwidth or zero-width id is refused, not rewritten.
 */
export function IsIdentifier(options: { each?: boolean } = {}): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'isIdentifier',
      target: target.constructor,
      propertyName: property as string,
      options: {
        each: options.each,
        message: (args) => {
          const values: unknown[] = Array.isArray(args.value) ? args.value : [args.value];
          const bad = values.find((v) => !isNormalIdentifier(v));
          return `${args.property} must be an identifier: ${describeIdentifierProblem(bad)}`;
        },
      },
      validator: { validate: (value: unknown) => isNormalIdentifier(value) },
    });
  };
}

/** Array of `{quantity}` whose quantities add up to at most `max` (one order's lines for one SKU). */
export function QuantitiesAddUpToAtMost(max: number): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'quantitiesAddUpToAtMost',
      target: target.constructor,
      propertyName: property as string,
      constraints: [max],
      options: { message: `$property must add up to at most ${max} units` },
      validator: {
        validate: (value: unknown) => {
          if (!Array.isArray(value)) return true; // @IsArray reports it
          let total = 0;
          for (const line of value) {
            const q = (line as { quantity?: unknown } | null)?.quantity;
            if (typeof q === 'number') total += q;
          }
          return total <= max;
        },
      },
    });
  };
}

/**
 * Class decorator: exactly one of the named properties is set (not null or undefined). Registered on a
 * pseudo-property (`quantity|units`) so the optional properties keep their own `@IsOptional()`.
 */
export function ExactlyOneOf(properties: readonly string[], options?: ValidationOptions): ClassDecorator {
  return (target) => {
    registerDecorator({
      name: 'exactlyOneOf',
      target,
      propertyName: properties.join('|'),
      options: { message: `exactly one of ${properties.join(', ')} must be given`, ...options },
      validator: {
        validate: (_value: unknown, args) => {
          const object = args?.object as Record<string, unknown>;
          return properties.filter((p) => object[p] != null).length === 1;
        },
      },
    });
  };
}
