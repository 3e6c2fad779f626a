import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiMetrics } from './api-metrics';

/** Counts each /v1 request once it is answered, labelled by route template (never by SKU or id). */
@Injectable()
export class RequestMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ApiMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    response.on('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      this.metrics.requests.inc({ method: request.method, route, status: String(response.statusCode) });
    });
    next();
  }
}
