import type { RetryingPartition } from '../message-bus';
import type { MessageBusObserver } from '../options';

/**
 * The partitions whose batch is being retried because a dependency is down (transient errors). Readiness and
 * the `stocksync_consumer_partitions_retrying` gauge read it; every start is paired with one end.
 */
export class RetryingPartitions {
  private readonly entries = new Map<string, RetryingPartition>();

  constructor(private readonly observer?: MessageBusObserver) {}

  started(topic: string, groupId: string, partition: number): void {
    const key = keyOf(topic, groupId, partition);
    if (this.entries.has(key)) return;
    this.entries.set(key, { topic, groupId, partition, since: new Date() });
    this.observer?.partitionRetrying?.({ topic, groupId, partition, retrying: true });
  }

  ended(topic: string, groupId: string, partition: number): void {
    if (!this.entries.delete(keyOf(topic, groupId, partition))) return;
    this.observer?.partitionRetrying?.({ topic, groupId, partition, retrying: false });
  }

  list(): RetryingPartition[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }
}

function keyOf(topic: string, groupId: string, partition: number): string {
  return `${groupId}\u0000${topic}\u0000${partition}`;
}
