import { readFileSync, statSync } from 'node:fs';
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/**
 * The value names a regular file this process can read now and that holds PEM data. Checked at boot so an
 * unreadable CA or key stops the app with the variable's name instead of failing later inside the TLS handshake.
 */
export function IsReadablePemFile(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    let reason = '';
    registerDecorator({
      name: 'isReadablePemFile',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string' || value === '') {
            reason = 'must be a file path';
            return false;
          }
          try {
            if (!statSync(value).isFile()) {
              reason = `${value} is not a regular file`;
              return false;
            }
            if (!readFileSync(value, 'utf8').includes('-----BEGIN ')) {
              reason = `${value} holds no PEM block (-----BEGIN ...)`;
              return false;
            }
            return true;
          } catch (err) {
            reason = `cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
            return false;
          }
        },
        defaultMessage: () => reason,
      },
    });
  };
}

/**
 * The property may only be set when `flag` is true: a CA file given while TLS is off would otherwise be ignored
 * and the app would connect in the clear, believing it is protected.
 */
export function OnlyWhen(flag: string, flagVariable: string, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'onlyWhen',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [flag],
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          return value === undefined || (args.object as Record<string, unknown>)[flag] === true;
        },
        defaultMessage: () => `is set but ${flagVariable} is not true`,
      },
    });
  };
}
