import { Injectable, Optional } from '@nestjs/common';
import { KafkaConfig } from '@libs/config';
import { MessageBus } from '@libs/messaging';
import { HealthCheck } from '@libs/observability';

/**
 * Degraded while a consumer partition has been retrying a transient failure (database or broker away) for longer
 * than KAFKA_CONSUMER_RETRY_DEGRADED_MS: the app is up, but that partition makes no progress. Short blips
 * (a failover, a restart) stay below the threshold.
 */
@Injectable()
export class ConsumerRetryHealthCheck extends HealthCheck {
  readonly name = 'consumers';
  override readonly severity = 'degraded';

  constructor(
    private readonly config: KafkaConfig,
    @Optional() private readonly bus?: MessageBus,
  ) {
    super();
  }

  async check(): Promise<void> {
    const now = Date.now();
    const stuck = (this.bus?.retryingPartitions?.() ?? []).filter(
      (p) => now - p.since.getTime() >= this.config.consumerRetryDegradedMs,
    );
    if (stuck.length === 0) return;
    const oldest = Math.min(...stuck.map((p) => p.since.getTime()));
    const where = stuck.map((p) => `${p.groupId}@${p.topic}[${p.partition}]`).join(', ');
    throw new Error(
      `${stuck.length} partition(s) retrying a transient failure for up to ${Math.round((now - oldest) / 1000)} s: ${where}`,
    );
  }
}
