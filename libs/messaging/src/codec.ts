import { randomUUID } from 'node:crypto';
import type { AnyTopic, MessageSchema, MessageTypeOf, PayloadOf } from './catalogue/define-topic';
import { EnvelopeFields, type Envelope, type EnvelopeOf } from './envelope';
import { MessagingError, MessagingErrorCodes, type DeadLetterReasonCode } from './errors';
import { validateAs } from './internal/validation';

/** A message to publish: the bus fills in the envelope fields that are left out. */
export type OutgoingMessage<D extends AnyTopic> = {
  [T in MessageTypeOf<D>]: {
    type: T;
    payload: PayloadOf<D, T>;
    /** Default: a random UUID. Give a stable id when the same fact may be published twice. */
    eventId?: string;
    /** Default: the eventId (this message starts a new chain). */
    correlationId?: string;
    /** Default: now. */
    occurredAt?: Date | string;
  };
}[MessageTypeOf<D>];

export interface EncodedMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  eventId: string;
}

export const CONTENT_TYPE_HEADER = 'content-type';
const CONTENT_TYPE = 'application/vnd.stocksync.envelope+json';

function schemaFor(topic: AnyTopic, type: string): MessageSchema | undefined {
  return Object.prototype.hasOwnProperty.call(topic.messages, type)
    ? (topic.messages[type] as MessageSchema)
    : undefined;
}

export interface EncodeOptions {
  /**
   * Serialise without checking the payload and the envelope against their schemas. Only for a message its
   * publisher built itself from data that was validated when it entered the process, with a test that holds
   * every message it can build to the schema (see PublishOptions.encodeWithoutValidation). The message type
   * must still be one of the topic's.
   */
  skipValidation?: boolean;
}

/** Encodes each message, skipping validation for the types `skipFor` names. */
export function encodeMessages<D extends AnyTopic>(
  topic: D,
  messages: readonly OutgoingMessage<D>[],
  source: string,
  skipFor: readonly string[] | undefined,
): EncodedMessage[] {
  if (!skipFor || skipFor.length === 0) return messages.map((m) => encodeMessage(topic, m, source));
  return messages.map((m) => encodeMessage(topic, m, source, { skipValidation: skipFor.includes(m.type) }));
}

/** Validates and serialises one message; throws MESSAGING.INVALID_MESSAGE without sending anything. */
export function encodeMessage<D extends AnyTopic>(
  topic: D,
  message: OutgoingMessage<D>,
  source: string,
  options: EncodeOptions = {},
): EncodedMessage {
  const schema = schemaFor(topic, message.type);
  if (!schema) {
    throw new MessagingError(
      MessagingErrorCodes.INVALID_MESSAGE,
      `${topic.name} has no message type "${message.type}"`,
    );
  }
  if (options.skipValidation === true) return serialise(topic, schema, message, message.payload, source);
  const checked = validateAs(schema.payload, message.payload);
  if (!checked.ok) {
    throw new MessagingError(
      MessagingErrorCodes.INVALID_MESSAGE,
      `${topic.name} ${message.type}: ${checked.problems.join('; ')}`,
      checked.problems,
    );
  }
  return serialise(topic, schema, message, checked.value, source, true);
}

function serialise<D extends AnyTopic>(
  topic: D,
  schema: MessageSchema,
  message: OutgoingMessage<D>,
  payload: object,
  source: string,
  checkEnvelope = false,
): EncodedMessage {
  const eventId = message.eventId ?? randomUUID();
  const occurredAt =
    message.occurredAt instanceof Date
      ? message.occurredAt.toISOString()
      : (message.occurredAt ?? new Date().toISOString());
  const envelope: Envelope = {
    eventId,
    type: message.type,
    schemaVersion: schema.schemaVersion,
    source,
    occurredAt,
    correlationId: message.correlationId ?? eventId,
    payload,
  };
  if (checkEnvelope) {
    const envelopeCheck = validateAs(EnvelopeFields, withoutPayloadBody(envelope), false);
    if (!envelopeCheck.ok) {
      throw new MessagingError(
        MessagingErrorCodes.INVALID_MESSAGE,
        `envelope: ${envelopeCheck.problems.join('; ')}`,
      );
    }
  }
  return {
    key: topic.key(payload),
    value: Buffer.from(JSON.stringify(envelope), 'utf8'),
    headers: { [CONTENT_TYPE_HEADER]: CONTENT_TYPE },
    eventId,
  };
}

export type DecodeResult<D extends AnyTopic> =
  | { ok: true; envelope: EnvelopeOf<D> }
  | {
      ok: false;
      code: DeadLetterReasonCode;
      reason: string;
      /** Filled when the value was at least a readable envelope. */
      eventId?: string;
      type?: string;
      correlationId?: string;
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a consumed record back into a typed envelope, or says precisely why it cannot: bad bytes are data
 * for the dead-letter topic, never an exception.
 */
export function decodeRecord<D extends AnyTopic>(
  topic: D,
  key: string | null,
  value: Uint8Array | null,
): DecodeResult<D> {
  if (!value || value.length === 0) {
    return { ok: false, code: MessagingErrorCodes.INVALID_JSON, reason: 'empty record value' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(value));
  } catch (err) {
    return {
      ok: false,
      code: MessagingErrorCodes.INVALID_JSON,
      reason: `not UTF-8 JSON: ${(err as Error).message}`,
    };
  }
  const envelope = validateAs(EnvelopeFields, withoutPayloadBody(parsed), false);
  if (!envelope.ok) {
    return { ok: false, code: MessagingErrorCodes.INVALID_ENVELOPE, reason: envelope.problems.join('; ') };
  }
  const { eventId, type, schemaVersion, correlationId } = envelope.value;
  const known = { eventId, type, correlationId };
  const schema = schemaFor(topic, type);
  if (!schema) {
    return {
      ok: false,
      code: MessagingErrorCodes.UNKNOWN_TYPE,
      reason: `${topic.name} has no message type "${type}"`,
      ...known,
    };
  }
  if (schemaVersion !== schema.schemaVersion) {
    return {
      ok: false,
      code: MessagingErrorCodes.UNKNOWN_SCHEMA_VERSION,
      reason: `${type} schemaVersion ${schemaVersion} is not supported (this consumer reads ${schema.schemaVersion})`,
      ...known,
    };
  }
  const payload = validateAs(schema.payload, (parsed as { payload: unknown }).payload);
  if (!payload.ok) {
    return {
      ok: false,
      code: MessagingErrorCodes.VALIDATION_FAILED,
      reason: `${type}: ${payload.problems.join('; ')}`,
      ...known,
    };
  }
  const expectedKey = topic.key(payload.value);
  if (key !== expectedKey) {
    return {
      ok: false,
      code: MessagingErrorCodes.KEY_MISMATCH,
      reason: `key ${JSON.stringify(key)} is not the ${topic.keyDescription} of the payload (${JSON.stringify(expectedKey)})`,
      ...known,
    };
  }
  const raw = envelope.value;
  return {
    ok: true,
    envelope: {
      eventId: raw.eventId,
      type: raw.type,
      schemaVersion: raw.schemaVersion,
      source: raw.source,
      occurredAt: raw.occurredAt,
      correlationId: raw.correlationId,
      payload: payload.value,
    } as EnvelopeOf<D>,
  };
}

/**
 * The envelope's own fields, with an object payload replaced by `{}`: the payload is validated by its own class,
 * and letting class-transformer walk it a second time for the envelope check doubled the cost of every message.
 */
function withoutPayloadBody(plain: unknown): unknown {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return plain;
  const payload = (plain as { payload?: unknown }).payload;
  const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
  return { ...plain, payload: isObject ? {} : payload };
}
