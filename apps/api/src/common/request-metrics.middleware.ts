import { Injectable, type NestMiddleware } from '@nestjs/common';
import { BoundedLabel } from '@libs/observability';
import type { NextFunction, Request, Response } from 'express';
import { ApiMetrics } from './api-metrics';

/** The methods the API answers; any other a client sends (PROPFIND, PURGE, …) is counted as "other". */
const METHODS = new BoundedLabel({ known: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] });

/**
 * Counts each /v1 request once it is answered, labelled by method (a fixed set), route template (never the SKU
 * or id a client put in the path; `unmatched` for a path no route has) and status.
 */
@Injectable()
export class RequestMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ApiMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    response.on('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      this.metrics.requests.inc({
        method: METHODS.of(request.method),
        route,
        status: String(response.statusCode),
      });
    });
    next();
  }
}
