import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { MessagingLogger } from '../options';
// kafkajs's table of broker error codes (its own source of `retriable`); not re-exported from the package root.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as {
  errorCodes: { type: string; retriable: boolean; message: string }[];
};

/** kafkajs warns about this on every idempotent producer with bounded retries; we bound them on purpose. */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

/**
 * Broker answers kafkajs's connection logs as errors although the caller handles them: CreateTopics answers
 * "already exists" for the topics another app created first, which admin.createTopics then ignores; a real
 * creation failure throws from createTopics and is reported by start().
 */
const EXPECTED_ERROR_RESPONSES = ['Response CreateTopics'];

/**
 * kafkajs's connection logs every broker error answer at ERROR before handing it to its caller, which retries
 * the retriable ones (a leader moving after a topic is created or a broker restarts) and rejoins on a rebalance.
 * Those are the cluster settling, not failures: they are logged as warnings. What the caller cannot handle still
 * surfaces as an error, from the caller.
 */
const HANDLED_BY_CALLER = new Set(
  errorCodes
    .filter(
      (e) =>
        e.retriable ||
        [
          'REBALANCE_IN_PROGRESS',
          'NOT_COORDINATOR_FOR_GROUP',
          'ILLEGAL_GENERATION',
          'UNKNOWN_MEMBER_ID',
        ].includes(e.type),
    )
    .map((e) => e.message),
);

function isConnectionResponse(namespace: string, message: string): boolean {
  return namespace === 'Connection' && message.startsWith('Response ');
}

/** Routes kafkajs's own log lines to the app's logger, at the level an operator should read them at. */
export function kafkaClientLogCreator(logger: MessagingLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _t, ...extra } = log;
      if (EXPECTED_WARNINGS.some((w) => message.startsWith(w))) return;
      const obj = { kafkajs: namespace, ...extra };
      if (level === logLevel.ERROR && EXPECTED_ERROR_RESPONSES.some((r) => message.startsWith(r)))
        logger.debug?.(obj, message);
      else if (
        level === logLevel.ERROR &&
        isConnectionResponse(namespace, message) &&
        HANDLED_BY_CALLER.has(String(extra.error))
      )
        logger.warn(obj, message);
      else if (level === logLevel.ERROR) logger.error(obj, message);
      else if (level === logLevel.WARN) logger.warn(obj, message);
      else if (level === logLevel.INFO) logger.info(obj, message);
      else logger.debug?.(obj, message);
    };
}
