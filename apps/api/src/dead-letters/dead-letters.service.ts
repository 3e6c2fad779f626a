import { HttpStatus, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { KafkaConfig } from '@libs/config';
import { KafkaDeadLetters, kafkaClientSecurity } from '@libs/messaging';
import { embeddedInfrastructure } from '@libs/runtime';
import { ApiError } from '../common/api-error';

/**
 * The API's reader and replayer of the dead-letter topic: the same one the CLI's `dlq` commands use, with the app's
 * Kafka settings (brokers, prefix, TLS/SASL). Connections are made on the first request and kept.
 */
@Injectable()
export class DeadLetters implements OnApplicationShutdown {
  private store?: KafkaDeadLetters;

  constructor(private readonly config: KafkaConfig) {}

  get(): KafkaDeadLetters {
    // The one-process engine's bus is in memory; its dead letters are in its log, not on a broker.
    if (embeddedInfrastructure())
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'API.SERVICE_UNAVAILABLE',
        "dead letters are read from Kafka, and this API runs on the one-process engine's in-memory bus",
      );
    this.store ??= new KafkaDeadLetters({
      clientId: `${this.config.clientId}-api-dead-letters`,
      brokers: this.config.brokers,
      topicPrefix: this.config.topicPrefix,
      ...kafkaClientSecurity(this.config),
    });
    return this.store;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store?.close();
  }
}
