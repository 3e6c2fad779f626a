import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HttpConfig } from '@libs/config';
import { LOGGER, PinoNestLogger } from '@libs/observability';
import type { Logger } from 'pino';

export interface StartedApp {
  app: INestApplication;
  url: string;
}

/** Creates and starts an app module; shared by every main.ts, the e2e tests and the one-process engine. */
export async function startApp(module: Type<unknown>): Promise<StartedApp> {
  // rawBody: signed webhooks are verified over the bytes as sent, not over re-serialised JSON.
  const app = await NestFactory.create(module, { bufferLogs: true, abortOnError: false, rawBody: true });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  app.enableShutdownHooks();
  const http = app.get(HttpConfig);
  await app.listen(http.port, http.host);
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://${http.host}:${address.port}` };
}

/** Entry point of a standalone app process: a configuration error prints its message and exits 1. */
export function runMain(module: Type<unknown>): void {
  startApp(module).catch((err: Error) => {
    process.stderr.write(`${err.name}: ${err.message}\n`);
    process.exit(1);
  });
}
