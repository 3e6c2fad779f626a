import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { MetricsListenerConfig } from '@libs/config';
import { MetricsRegistry } from '@libs/observability';
import type { RequestHandler } from 'express';

/** With METRICS_PORT set, the app's own port answers 404 to /metrics (registered before the routes). */
export function metricsOnAppPort(app: INestApplication): RequestHandler {
  const apart = app.get(MetricsListenerConfig).port !== undefined;
  return (req, res, next) => {
    if (apart && req.path.replace(/\/+$/, '').toLowerCase() === '/metrics') {
      res.status(404).json({ code: 'NOT_FOUND', message: 'metrics are served on METRICS_PORT' });
      return;
    }
    next();
  };
}

/**
 * Starts the separate /metrics listener when METRICS_PORT is set; closed with the app. Resolves with its URL, or
 * undefined when metrics stay on the app's port.
 */
export async function listenForMetrics(app: INestApplication): Promise<string | undefined> {
  const { port, host } = app.get(MetricsListenerConfig);
  if (port === undefined) return undefined;
  const metrics = app.get(MetricsRegistry);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NOT_FOUND"}');
      return;
    }
    metrics.render().then(
      (body) => res.writeHead(200, { 'content-type': metrics.contentType() }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  app.getHttpServer().once('close', () => {
    server.closeAllConnections();
    server.close();
  });
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}
