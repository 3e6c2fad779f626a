/**
 * Whether an error says "a dependency is unavailable right now" rather than "this input is wrong". Transient errors
 * are worth retrying unchanged, for as long as it takes; anything else would fail the same way again.
 *
 * Recognised:
 * - PostgreSQL SQLSTATE classes 08 (connection exception), 40 (serialization failure, deadlock), 53 (insufficient
 *   resources, e.g. too many connections) and 57P (admin shutdown, crash shutdown, cannot connect now), plus the
 *   timeouts: 57014 (statement timeout or a cancelled query), 55P03 (lock not available) and 25P03 (the session
 *   was ended for idling in a transaction), and 55000 when the database is not accepting connections. A timeout is far more often a loaded or locked database than a bad
 *   message, and a stuck partition pages someone while a dead-lettered order is lost;
 * - node socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, name resolution failures, ...);
 * - node-postgres pool and client errors that carry no SQLSTATE ("timeout exceeded when trying to connect",
 *   "Connection terminated ...");
 * - kafkajs errors: any `KafkaJS*` error (including "number of retries exceeded" after the broker stayed away),
 *   except a protocol error the broker marked not retriable and kafkajs' own argument validation (a request the
 *   broker rejects, such as a record that is too large, or an invalid topic name, fails the same way every time),
 *   but including the broker's refusal of a producer id's sequence (the bus renews the producer id);
 * - errors already marked `retryable === true`, and `ConflictRetriesExhaustedError` (contention, not bad input);
 * - any of the above found as a `cause` or inside an AggregateError.
 */
export function isTransientError(err: unknown): boolean {
  return check(err, 0);
}

const MAX_DEPTH = 5;

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
]);

/** SQLSTATE prefixes: classes 08, 40, 53, the 57P subclass of 57, and three timeout codes. */
const SQLSTATE_PREFIXES = ['08', '40', '53', '57P', '57014', '55P03', '25P03'];

const PG_CLIENT_MESSAGES = [
  'timeout exceeded when trying to connect',
  'connection terminated',
  'client has encountered a connection error and is not queryable',
  'connection ended unexpectedly',
];

function check(err: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH || err === null || typeof err !== 'object') return false;
  const e = err as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    retryable?: unknown;
    retriable?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (e.retryable === true) return true;
  if (e.name === 'ConflictRetriesExhaustedError') return true;
  if (typeof e.code === 'string') {
    if (SOCKET_CODES.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code) && SQLSTATE_PREFIXES.some((p) => (e.code as string).startsWith(p)))
      return true;
    // 55000 is a broad class; only "database … is not currently accepting connections" (ALLOW_CONNECTIONS false
    // during maintenance or a switchover) says the database will be back.
    if (
      e.code === '55000' &&
      typeof e.message === 'string' &&
      e.message.includes('not currently accepting connections')
    )
      return true;
  }
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS')) {
    if (e.retriable === true) return true;
    if (isKafkaProducerStateLost(e)) return true;
    if (!isRejectedKafkaRequest(e.name)) return true;
  }
  if (typeof e.message === 'string' && (e.code === undefined || e.code === null)) {
    const message = e.message.toLowerCase();
    if (PG_CLIENT_MESSAGES.some((m) => message.includes(m))) return true;
  }
  if (Array.isArray(e.errors) && e.errors.some((inner) => check(inner, depth + 1))) return true;
  return e.cause !== undefined && e.cause !== err && check(e.cause, depth + 1);
}

/**
 * Broker refusals of the producer's id or sequence, not of the request: the message bus answers them with a new
 * producer id, after which the same publish goes through.
 */
const PRODUCER_STATE_LOST = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

/**
 * Whether a kafkajs error (or its cause) is the broker refusing the producer's id or sequence: the broker's
 * sequence for the id and the client's disagree (a batch written whose answer was lost, after which the client
 * sent other messages from the same sequence number), or the broker no longer knows the id. Only a new producer
 * id gets past it.
 */
export function isKafkaProducerStateLost(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth <= MAX_DEPTH; depth++) {
    if (PRODUCER_STATE_LOST.has(String((e as { type?: unknown }).type))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * kafkajs errors not marked retriable that retrying cannot fix: protocol errors (the broker refused this very
 * request) and the plain non-retriable base class, which kafkajs throws for invalid arguments.
 */
function isRejectedKafkaRequest(name: string): boolean {
  return (
    name === 'KafkaJSProtocolError' ||
    name === 'KafkaJSOffsetOutOfRange' ||
    name === 'KafkaJSMemberIdRequired' ||
    name === 'KafkaJSNonRetriableError'
  );
}
