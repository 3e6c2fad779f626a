import { type ArgumentsHost, Catch, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { LOGGER } from '@libs/observability';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError, type ErrorBody } from './api-error';
import { readModelsUnavailable } from './read-models.module';

const STATUS_CODES: Partial<Record<number, ErrorBody['code']>> = {
  [HttpStatus.BAD_REQUEST]: 'API.VALIDATION_FAILED',
  [HttpStatus.UNAUTHORIZED]: 'API.UNAUTHORIZED',
  [HttpStatus.FORBIDDEN]: 'API.FORBIDDEN',
  [HttpStatus.NOT_FOUND]: 'API.NOT_FOUND',
  [HttpStatus.CONFLICT]: 'API.CONFLICT',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'API.PAYLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'API.UNSUPPORTED_MEDIA_TYPE',
  [HttpStatus.TOO_MANY_REQUESTS]: 'API.RATE_LIMITED',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'API.SERVICE_UNAVAILABLE',
};

/**
 * Renders every error of the operations API (/v1) as `{ code, message, details? }`. Other routes of the process
 * (/health, /metrics, /docs) keep Nest's default answers, which their own clients expect.
 */
@Catch()
export class ApiExceptionFilter extends BaseExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (host.getType() !== 'http' || !request.path?.startsWith('/v1')) {
      super.catch(exception, host);
      return;
    }
    const { status, body, headers } = this.toBody(exception);
    if (status >= 500) {
      // The error object, never the request body: an import's body holds secrets.
      this.logger.error({ err: exception, path: request.path, method: request.method }, 'request failed');
    }
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(status).json(body);
  }

  private toBody(exception: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
    exception = readModelsUnavailable(exception) ?? exception;
    if (exception instanceof ApiError) {
      const body: ErrorBody = { code: exception.code, message: exception.message };
      if (exception.details !== undefined) body.details = exception.details;
      return { status: exception.status, body, headers: exception.headers };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = STATUS_CODES[status] ?? (status >= 500 ? 'API.INTERNAL_ERROR' : 'API.VALIDATION_FAILED');
      const raw = exception.getResponse();
      const message =
        typeof raw === 'string'
          ? raw
          : typeof (raw as { message?: unknown }).message === 'string'
            ? String((raw as { message: string }).message)
            : exception.message;
      return { status, body: { code, message }, headers: {} };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { code: 'API.INTERNAL_ERROR', message: 'internal error' },
      headers: {},
    };
  }
}
