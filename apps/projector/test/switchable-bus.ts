import {
  InMemoryMessageBus,
  silentLogger,
  type AnyTopic,
  type BatchHandler,
  type MessageBus,
  type OutgoingMessage,
  type PublishReceipt,
  type SubscribeOptions,
  type Subscription,
} from '@libs/messaging';

/**
 * The in-memory bus behind a switch: while `reachable` is false every publish fails the way a producer does when
 * no broker answers. Stands in for a broker outage, which a shared test broker cannot be put through.
 */
export class SwitchableBus implements MessageBus {
  readonly inner = new InMemoryMessageBus({ source: 'projector', logger: silentLogger });
  reachable = true;
  publishCalls = 0;

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  async publish<D extends AnyTopic>(
    topic: D,
    messages: readonly OutgoingMessage<D>[],
  ): Promise<PublishReceipt[]> {
    this.publishCalls += 1;
    if (!this.reachable) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    return this.inner.publish(topic, messages);
  }

  subscribe<D extends AnyTopic>(
    topic: D,
    groupId: string,
    handler: BatchHandler<D>,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    return this.inner.subscribe(topic, groupId, handler, options);
  }

  topicName(topic: AnyTopic): string {
    return this.inner.topicName(topic);
  }

  partitionCount(topic: AnyTopic): number {
    return this.inner.partitionCount(topic);
  }
}
