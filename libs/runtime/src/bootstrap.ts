import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, configDefinitionsOf, HttpConfig, loadAll } from '@libs/config';
import { LOGGER, PinoNestLogger } from '@libs/observability';
import { json, type RequestHandler, urlencoded } from 'express';
import type { Logger } from 'pino';
import { startBusConsumers } from './bus-transport';
import { listenForMetrics, metricsOnAppPort } from './metrics-listener';
import { RawBodyRoutes } from './raw-body-routes';

export interface StartedApp {
  app: INestApplication;
  url: string;
  /** The separate /metrics listener, when METRICS_PORT is set. */
  metricsUrl?: string;
}

/**
 * Provider token for a module that serves raw-body routes: its factory adds them to RawBodyRoutes, e.g.
 * `{ provide: RAW_BODY_ROUTES, inject: [RawBodyRoutes], useFactory: (r: RawBodyRoutes) => r.add(path) }`.
 */
export const RAW_BODY_ROUTES = Symbol('RAW_BODY_ROUTES');

/** Creates and starts an app module; shared by every main.ts, the e2e tests and the one-process engine. */
export async function startApp(module: Type<unknown>): Promise<StartedApp> {
  // bodyParser off: Nest's own parsers would read every route, raw-body routes included, and for a content type
  // they do not parse they leave the stream to the handler with no limit at all.
  const app = await NestFactory.create(module, { bufferLogs: true, abortOnError: false, bodyParser: false });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  app.use(metricsOnAppPort(app));
  const raw = rawBodyRoutes(app);
  // The same parsers and limits (100 kB) Nest would register, for every other route.
  app.use(except(raw, json()));
  app.use(except(raw, urlencoded({ extended: true })));
  app.enableShutdownHooks();
  // Before listen() initialises the app: the bus starts in onApplicationBootstrap with these subscriptions made.
  await startBusConsumers(app);
  const http = app.get(HttpConfig);
  await app.listen(http.port, http.host);
  const address = app.getHttpServer().address() as { port: number };
  const metricsUrl = await listenForMetrics(app);
  return { app, url: `http://${http.host}:${address.port}`, ...(metricsUrl ? { metricsUrl } : {}) };
}

function rawBodyRoutes(app: INestApplication): Set<string> {
  return new Set(app.get(RawBodyRoutes).list().map(routeKey));
}

// Express matches routes case-insensitively and with or without a trailing slash.
function routeKey(path: string): string {
  return ('/' + path.replace(/^\/+|\/+$/g, '')).toLowerCase();
}

function except(paths: Set<string>, parser: RequestHandler): RequestHandler {
  if (paths.size === 0) return parser;
  return (req, res, next) => (paths.has(routeKey(req.path)) ? next() : parser(req, res, next));
}

/**
 * Entry point of a standalone app process. The configuration is checked first, before Nest or any connection
 * starts: a problem prints one message naming every bad variable and exits 1.
 */
export function runMain(module: Type<unknown>): void {
  try {
    loadAll(configDefinitionsOf(module));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.name}: ${err.message}\n`);
    process.exit(1);
  }
  startApp(module).catch((err: Error) => {
    process.stderr.write(`${err.name}: ${err.message}\n`);
    process.exit(1);
  });
}
