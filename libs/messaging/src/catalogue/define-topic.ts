/** A payload class: class-validator decorators on its properties, a no-argument constructor. */
export type PayloadClass<P extends object = object> = new () => P;

export interface MessageSchema<P extends object = object> {
  /** The version producers write and the only one consumers accept (anything else is dead-lettered). */
  readonly schemaVersion: number;
  readonly payload: PayloadClass<P>;
}

export type MessageSchemas = Record<string, MessageSchema<object>>;

export type CleanupPolicy = 'delete' | 'compact';

type PayloadOfSchema<S> = S extends MessageSchema<infer P> ? P : never;

/** The union of every payload a topic carries. */
export type TopicPayload<M extends MessageSchemas> = { [T in keyof M]: PayloadOfSchema<M[T]> }[keyof M];

export interface TopicDefinition<Id extends string = string, M extends MessageSchemas = MessageSchemas> {
  /** Stable identifier inside the code (partition overrides, metrics labels). */
  readonly id: Id;
  /** The topic name without the environment prefix. */
  readonly name: string;
  readonly description: string;
  readonly defaultPartitions: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** Names what the key is, for docs and error messages ("SKU", "channel:channelOrderId"). */
  readonly keyDescription: string;
  /** The record key, derived from the payload: the same entity always lands in the same partition. */
  readonly key: (payload: TopicPayload<M>) => string;
  readonly messages: M;
}

// `any` here is the usual escape hatch for a generic constraint: the key function's parameter is contravariant.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTopic = TopicDefinition<string, any>;

export type MessagesOf<D extends AnyTopic> = D['messages'];
export type MessageTypeOf<D extends AnyTopic> = keyof MessagesOf<D> & string;
export type PayloadOf<D extends AnyTopic, T extends MessageTypeOf<D> = MessageTypeOf<D>> = PayloadOfSchema<
  MessagesOf<D>[T]
>;

export function defineTopic<const Id extends string, M extends MessageSchemas>(
  definition: TopicDefinition<Id, M>,
): TopicDefinition<Id, M> {
  if (!Number.isInteger(definition.defaultPartitions) || definition.defaultPartitions < 1) {
    throw new Error(`topic ${definition.name}: defaultPartitions must be a positive integer`);
  }
  for (const [type, schema] of Object.entries(definition.messages)) {
    if (!Number.isInteger(schema.schemaVersion) || schema.schemaVersion < 1) {
      throw new Error(`topic ${definition.name}: ${type} needs a schemaVersion >= 1`);
    }
  }
  return Object.freeze(definition);
}

/** The name on the broker: the environment prefix (KAFKA_TOPIC_PREFIX) followed by the catalogue name. */
export function topicName(topic: AnyTopic, prefix = ''): string {
  return `${prefix}${topic.name}`;
}
