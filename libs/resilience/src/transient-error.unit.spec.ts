import { isTransientError } from './transient-error';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });
const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name }, extra);

describe('isTransientError', () => {
  it.each([
    ['57P01 admin shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['57P03 cannot connect now', withCode('57P03', 'the database system is starting up')],
    [
      '55000 database not accepting connections',
      withCode('55000', 'database "stocksync" is not currently accepting connections'),
    ],
    ['08006 connection failure', withCode('08006')],
    ['08001 cannot establish connection', withCode('08001')],
    ['40001 serialization failure', withCode('40001')],
    ['40P01 deadlock', withCode('40P01')],
    ['53300 too many connections', withCode('53300')],
    ['57014 statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['55P03 lock not available', withCode('55P03')],
    ['25P03 idle-in-transaction timeout', withCode('25P03')],
    ['ECONNREFUSED', withCode('ECONNREFUSED')],
    ['ECONNRESET', withCode('ECONNRESET')],
    ['ETIMEDOUT', withCode('ETIMEDOUT')],
    ['EPIPE', withCode('EPIPE')],
    ['EAI_AGAIN', withCode('EAI_AGAIN')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg pool: acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['kafkajs retriable', { name: 'KafkaJSNumberOfRetriesExceeded', retriable: true, message: 'x' }],
    ['kafkajs retries exceeded', named('KafkaJSNumberOfRetriesExceeded', { retriable: false })],
    ['kafkajs connection error', named('KafkaJSConnectionError', { retriable: true })],
    ['kafkajs request timeout', named('KafkaJSRequestTimeoutError')],
    ['kafkajs retriable protocol error', named('KafkaJSProtocolError', { retriable: true })],
    [
      'kafkajs: the producer id lost its sequence (the bus takes a new one)',
      named('KafkaJSProtocolError', { retriable: false, type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }),
    ],
    [
      'kafkajs: unknown producer id',
      named('KafkaJSProtocolError', { retriable: false, type: 'UNKNOWN_PRODUCER_ID' }),
    ],
    ['already marked retryable', Object.assign(new Error('platform 503'), { retryable: true })],
    ['conflict retries exhausted', named('ConflictRetriesExhaustedError')],
    ['wrapped as cause', new Error('append failed', { cause: withCode('ECONNRESET') })],
    [
      'inside an AggregateError',
      Object.assign(new AggregateError([withCode('ECONNREFUSED')]), { code: undefined }),
    ],
  ])('given %s, then it is transient', (_label, err) => {
    expect(isTransientError(err)).toBe(true);
  });

  it.each([
    ['55000 for another reason', withCode('55000', 'cannot open relation in a read-only transaction')],
    ['a plain error', new Error('invalid payload')],
    ['a unique violation', withCode('23505', 'duplicate key value')],
    ['a check violation', withCode('23514')],
    ['another 55 code (object in use)', withCode('55006')],
    ['another 57 code (57000)', withCode('57000')],
    ['a syntax error', withCode('42601')],
    ['a domain error code', withCode('INVENTORY.INSUFFICIENT_STOCK')],
    [
      'kafkajs: broker rejected the request',
      named('KafkaJSProtocolError', { retriable: false, type: 'MESSAGE_TOO_LARGE' }),
    ],
    ['kafkajs: invalid argument', named('KafkaJSNonRetriableError', { retriable: false })],
    ['marked not retryable', Object.assign(new Error('bad request'), { retryable: false })],
    ['a string', 'Connection terminated'],
    ['undefined', undefined],
    ['null', null],
    ['a message mentioning a timeout with a SQLSTATE', withCode('22P02', 'Connection terminated in input')],
  ])('given %s, then it is not transient', (_label, err) => {
    expect(isTransientError(err)).toBe(false);
  });

  it('given a cause cycle, then it terminates', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTransientError(a)).toBe(false);
  });
});
