// Public surface of libs/messaging. Nothing else is imported from outside this lib.
import 'reflect-metadata';
export * from './catalogue/define-topic';
export * from './catalogue/topics';
export * from './catalogue/channel-events';
export * from './catalogue/order-outcomes';
export * from './catalogue/channel-targets';
export * from './catalogue/dead-letters';
export * from './catalogue/command-replies';
export * from './catalogue/after-sales';
export * from './catalogue/alerts';
export * from './catalogue/supplier-orders';
export * from './alert-publisher';
export {
  CHANNEL_PATTERN,
  REASON_CODE_PATTERN,
  MAX_IDENTIFIER_LENGTH,
  normaliseIdentifier,
  isNormalIdentifier,
  describeIdentifierProblem,
  IsIdentifier,
  type IdentifierCheck,
  type IdentifierRefusal,
} from './catalogue/fields';
export * from './envelope';
export * from './errors';
export {
  decodeRecord,
  encodeMessage,
  encodeMessages,
  type EncodeOptions,
  type DecodeResult,
  type EncodedMessage,
  type OutgoingMessage,
} from './codec';
export * from './message-bus';
export * from './options';
export { murmur2, partitionForKey } from './partitioner';
export {
  InMemoryMessageBus,
  type InMemoryMessageBusOptions,
  type RawRecordInput,
} from './in-memory/in-memory-message-bus';
export {
  KafkaMessageBus,
  type KafkaConsumerTuning,
  type KafkaMessageBusOptions,
  type KafkaProducerTuning,
} from './kafka/kafka-message-bus';
export {
  KAFKA_SASL_MECHANISMS,
  kafkaClientSecurity,
  type KafkaClientSecurity,
  type KafkaSaslMechanism,
  type KafkaSecuritySettings,
} from './kafka/kafka-security';
export {
  DeadLetterNotReplayableError,
  KafkaDeadLetters,
  replayableRecord,
  type DeadLetterRead,
  type KafkaDeadLettersOptions,
  type ReplayableDeadLetter,
  type ReplayReceipt,
  type StoredDeadLetter,
  type UnreadableDeadLetter,
} from './kafka/kafka-dead-letters';
