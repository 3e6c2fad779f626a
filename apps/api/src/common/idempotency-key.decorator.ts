import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { ApiError } from './api-error';

/**
 * A write sent with an `Idempotency-Key`: the key is scoped to the caller and the route, and the request it
 * names is fixed by a hash, so a key can only ever replay its own first request (see IdempotencyKeys).
 */
export interface IdempotentRequest {
  /** The API key's id: two callers never share a command, whatever keys they choose. */
  principal: string;
  /** Method and route template, e.g. `PATCH /v1/skus/:sku/settings`. */
  route: string;
  key: string;
  /** SHA-256 of the path parameters, query and JSON body, with object keys sorted (key order and spacing do not count). */
  requestSha256: Buffer;
}

/** JSON with object keys sorted at every level, so that two equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The optional `Idempotency-Key` header: a client that retries a write with the same key gets the first outcome
 * instead of a second effect. Undefined without the header.
 */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): IdempotentRequest | undefined => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const value = request.headers['idempotency-key'];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(value)) {
      throw ApiError.validation('Idempotency-Key must be 1-200 printable ASCII characters');
    }
    if (!request.principal) throw new Error('IdempotencyKey used on a route without @Authenticated()');
    const template = (request.route as { path?: string } | undefined)?.path ?? request.path;
    const requestSha256 = createHash('sha256')
      .update(
        canonicalJson({
          params: request.params ?? {},
          query: request.query ?? {},
          body: request.body ?? null,
        }),
      )
      .digest();
    return {
      principal: request.principal.keyId,
      route: `${request.method.toUpperCase()} ${template}`,
      key: value,
      requestSha256,
    };
  },
);
