import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { KafkaConfig } from '@libs/config';
import { kafkaClientSecurity } from '@libs/messaging';
import { HEALTH_CHECK_TIMEOUT_MS, type ReadinessIndicator } from '@libs/observability';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { embeddedInfrastructure } from './embedded-infrastructure';

/**
 * Ready when the cluster answers a metadata request; one admin connection is kept and reused. Terminus's own
 * MicroserviceHealthIndicator would open a new client per probe and knows nothing of the app's SASL/TLS settings.
 */
@Injectable()
export class KafkaHealthIndicator implements ReadinessIndicator, OnApplicationShutdown {
  readonly key = 'kafka';
  private admin?: Admin;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: KafkaConfig,
  ) {}

  async isHealthy() {
    return this.health
      .check(this.key)
      .attempt(() => this.ping())
      .withTimeout(HEALTH_CHECK_TIMEOUT_MS);
  }

  private async ping(): Promise<void> {
    // The one-process engine runs on its in-memory bus: there is no broker to ask.
    if (embeddedInfrastructure()) return;
    if (!this.admin) {
      const kafka = new Kafka({
        clientId: `${this.config.clientId}-health`,
        brokers: this.config.brokers,
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1500,
        retry: { retries: 0 },
        // The probe authenticates like the app: a broker that refuses the app's credentials is not ready for it.
        ...kafkaClientSecurity(this.config),
      });
      this.admin = kafka.admin();
      try {
        await this.admin.connect();
      } catch (err) {
        this.admin = undefined;
        throw err;
      }
    }
    try {
      await this.admin.describeCluster();
    } catch (err) {
      await this.admin.disconnect().catch(() => undefined);
      this.admin = undefined;
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
