import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from './api-error';

/**
 * The optional `Idempotency-Key` header: a client that retries a write with the same key gets the first outcome
 * instead of a second effect (it becomes the command id, from which event ids derive).
 */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | undefined => {
    const value = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(value)) {
      throw ApiError.validation('Idempotency-Key must be 1-200 printable ASCII characters');
    }
    return value;
  },
);
