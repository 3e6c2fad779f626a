import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino blanks out in every log line. Card-key secrets, credentials and signatures must never reach a
 * log, whatever object a caller passes in.
 */
export const REDACTED_PATHS = [
  'secret',
  'secrets',
  'cardKey',
  'cardKeys',
  'password',
  'token',
  'apiKey',
  'appSecret',
  'authorization',
  'signature',
  'databaseUrl',
  '*.secret',
  '*.secrets',
  '*.cardKey',
  '*.cardKeys',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.appSecret',
  '*.authorization',
  '*.signature',
  // Card keys travel in arrays (a delivery's cards, an import's units): one wildcard level does not reach them.
  'cards[*].secret',
  '*.cards[*].secret',
  'units[*].secret',
  '*.units[*].secret',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-stocksync-signature"]',
];

export function createLogger(app: string, level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Routes Nest's own logging into the same JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
