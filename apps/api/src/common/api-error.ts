import { HttpStatus } from '@nestjs/common';

/** The body of every error answer under /v1. `code` is stable: clients branch on it, never on `message`. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export const API_ERROR_CODES = [
  'API.VALIDATION_FAILED',
  'API.UNAUTHORIZED',
  'API.FORBIDDEN',
  'API.RATE_LIMITED',
  'API.NOT_FOUND',
  /** An order action on an order of several SKUs that does not name one. */
  'API.SKU_REQUIRED',
  'API.CONFLICT',
  'API.IDEMPOTENCY_KEY_REUSED',
  'API.PAYLOAD_TOO_LARGE',
  'API.UNSUPPORTED_MEDIA_TYPE',
  'API.SERVICE_UNAVAILABLE',
  'API.INTERNAL_ERROR',
] as const;

export type ApiErrorCode =
  | (typeof API_ERROR_CODES)[number]
  | `INVENTORY.${string}`
  | `IMPORT.${string}`
  | `RECONCILIATION.${string}`
  | `TICKET.${string}`
  | `SUPPLY.${string}`
  | `CATALOGUE_SYNC.${string}`;

/** A request-path error with a stable code; the exception filter renders it as `{ code, message, details? }`. */
export class ApiError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers (Retry-After on 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static validation(message: string, details?: unknown): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, 'API.VALIDATION_FAILED', message, details);
  }

  static notFound(message: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'API.NOT_FOUND', message);
  }
}
