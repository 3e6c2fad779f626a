import { Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { KafkaConfig } from '@libs/config';
import { MessageBus } from '@libs/messaging';
import type { ReadinessIndicator } from '@libs/observability';

/**
 * `degraded` while a consumer partition has been retrying a transient failure (database or broker away) for longer
 * than KAFKA_CONSUMER_RETRY_DEGRADED_MS: the app is up, but that partition makes no progress. Short blips (a
 * failover, a restart) stay below the threshold. Never `down`: taking the app out of routing would not cure it.
 */
@Injectable()
export class ConsumerHealthIndicator implements ReadinessIndicator {
  readonly key = 'consumers';

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: KafkaConfig,
    @Optional() private readonly bus?: MessageBus,
  ) {}

  async isHealthy() {
    const indicator = this.health.check(this.key);
    const now = Date.now();
    const stuck = (this.bus?.retryingPartitions?.() ?? []).filter(
      (p) => now - p.since.getTime() >= this.config.consumerRetryDegradedMs,
    );
    if (stuck.length === 0) return indicator.up();
    const oldest = Math.min(...stuck.map((p) => p.since.getTime()));
    const where = stuck.map((p) => `${p.groupId}@${p.topic}[${p.partition}]`).join(', ');
    return indicator.degraded({
      message: `${stuck.length} partition(s) retrying a transient failure for up to ${Math.round((now - oldest) / 1000)} s: ${where}`,
    });
  }
}
