import type { MessageBusObserver } from '@libs/messaging';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Turns the bus's hooks into Prometheus series on the app's registry. Topic and group are bounded labels. */
export function messagingMetrics(registry: Registry): MessageBusObserver {
  const handled = new Counter({
    name: 'stocksync_messages_handled_total',
    help: 'Messages handled by a consumer, by topic and group.',
    labelNames: ['topic', 'group'],
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: 'stocksync_message_batch_seconds',
    help: 'Time a consumer took to handle one partition batch.',
    labelNames: ['topic', 'group'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'stocksync_handler_failures_total',
    help: 'Failed handler attempts (each is retried or dead-lettered).',
    labelNames: ['topic', 'group'],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'stocksync_dead_letters_total',
    help: 'Messages written to stock.dlq, by source topic and reason code.',
    labelNames: ['topic', 'reason'],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'stocksync_consumer_lag_messages',
    help: 'Records a consumer group still has to read in a partition, as of its last handled batch.',
    labelNames: ['topic', 'group', 'partition'],
    registers: [registry],
  });
  const transientFailures = new Counter({
    name: 'stocksync_consumer_transient_failures_total',
    help: 'Handler attempts that failed because a dependency was unavailable (retried until it is back, never dead-lettered).',
    labelNames: ['topic', 'group'],
    registers: [registry],
  });
  const retrying = new Gauge({
    name: 'stocksync_consumer_partitions_retrying',
    help: 'Partitions whose batch is being retried because a dependency is unavailable; the consumer makes no progress on them.',
    labelNames: ['topic', 'group'],
    registers: [registry],
  });
  const producerRenewals = new Counter({
    name: 'stocksync_producer_renewals_total',
    help: "Times the broker refused the idempotent producer's sequence and the app continued with a new producer id (a publish whose answer was lost; its messages may be read twice).",
    labelNames: ['reason'],
    registers: [registry],
  });
  return {
    producerRenewed: ({ reason }) => producerRenewals.inc({ reason }),
    partitionRetrying: ({ topic, groupId, retrying: started }) =>
      started ? retrying.inc({ topic, group: groupId }) : retrying.dec({ topic, group: groupId }),
    lagObserved: ({ topic, groupId, partition, lag: behind }) =>
      lag.set({ topic, group: groupId, partition: String(partition) }, behind),
    batchHandled: ({ topic, groupId, messages, seconds }) => {
      handled.inc({ topic, group: groupId }, messages);
      batchSeconds.observe({ topic, group: groupId }, seconds);
    },
    handlerFailed: ({ topic, groupId, retryable }) => {
      failures.inc({ topic, group: groupId });
      if (retryable) transientFailures.inc({ topic, group: groupId });
    },
    deadLettered: ({ topic, reasonCode }) => deadLetters.inc({ topic, reason: reasonCode }),
  };
}
