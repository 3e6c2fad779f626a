import { logLevel, type LogEntry } from 'kafkajs';
import { kafkaClientLogCreator } from './kafka-client-log';

function capture() {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const logger = {
    debug: (obj: object, msg: string) => lines.push({ level: 'debug', msg, obj }),
    info: (obj: object, msg: string) => lines.push({ level: 'info', msg, obj }),
    warn: (obj: object, msg: string) => lines.push({ level: 'warn', msg, obj }),
    error: (obj: object, msg: string) => lines.push({ level: 'error', msg, obj }),
  };
  const log = kafkaClientLogCreator(logger)(logLevel.DEBUG);
  const entry = (namespace: string, level: logLevel, message: string, extra: object = {}): LogEntry => ({
    namespace,
    level,
    label: 'ERROR',
    log: { timestamp: '2026-11-30T00:00:00.000Z', message, ...extra },
  });
  return { lines, log, entry };
}

describe('kafkaClientLogCreator: kafkajs log lines at the level an operator reads them', () => {
  it('given a broker answer the client retries (a leader moving after a restart), then it is a warning, not an error', () => {
    const { lines, log, entry } = capture();
    log(
      entry('Connection', logLevel.ERROR, 'Response ListOffsets(key: 2, version: 3)', {
        error: 'This server is not the leader for that topic-partition',
        correlationId: 8,
      }),
    );
    expect(lines).toEqual([
      {
        level: 'warn',
        msg: 'Response ListOffsets(key: 2, version: 3)',
        obj: expect.objectContaining({ kafkajs: 'Connection', correlationId: 8 }),
      },
    ]);
  });

  it('given a rebalance answer to a heartbeat (the consumer rejoins), then it is a warning', () => {
    const { lines, log, entry } = capture();
    log(
      entry('Connection', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', {
        error: 'The group is rebalancing, so a rejoin is needed',
      }),
    );
    expect(lines.map((l) => l.level)).toEqual(['warn']);
  });

  it('given a broker answer nothing retries (an out-of-order sequence), then it stays an error', () => {
    const { lines, log, entry } = capture();
    log(
      entry('Connection', logLevel.ERROR, 'Response Produce(key: 0, version: 7)', {
        error: 'The broker received an out of order sequence number',
      }),
    );
    log(entry('Consumer', logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', { error: 'x' }));
    expect(lines.map((l) => l.level)).toEqual(['error', 'error']);
  });

  it('given "topic already exists" from CreateTopics, then it is debug; given the idempotence warning, then nothing', () => {
    const { lines, log, entry } = capture();
    log(
      entry('Connection', logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', { error: 'exists' }),
    );
    log(entry('Producer', logLevel.WARN, 'Limiting retries for the idempotent producer to 8'));
    expect(lines.map((l) => l.level)).toEqual(['debug']);
  });
});
