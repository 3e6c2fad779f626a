// class-transformer's @Type reads design-time metadata; load the polyfill before any payload class is defined.
import 'reflect-metadata';
import { IsString, Length, Matches, registerDecorator, type ValidationOptions } from 'class-validator';

/** Lower-case channel code: `taobao`, `pinduoduo`, `miniprogram`, `shop`, `substation-42`. No ':' (it separates keys). */
export const CHANNEL_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
/** Any printable identifier without whitespace, up to 128 characters. */
export const ID_PATTERN = /^\S{1,128}$/;
/** Reason codes as the inventory domain writes them: `INSUFFICIENT_STOCK`, `INVENTORY.OVER_ORDER_CAP`. */
export const REASON_CODE_PATTERN = /^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)*$/;

export function IsChannel(): PropertyDecorator {
  return Matches(CHANNEL_PATTERN, { message: '$property must be a lower-case channel code like "taobao"' });
}

/** `{ each: true }` applies the rules to every element of an array property. */
export function IsIdentifier(options: { each?: boolean } = {}): PropertyDecorator {
  return (target, property) => {
    IsString(options)(target, property);
    Length(1, 128, options)(target, property);
    Matches(ID_PATTERN, { ...options, message: '$property must not contain whitespace' })(target, property);
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
