import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { KafkaConfig } from '@libs/config';
import { KafkaMessageBus, MessageBus, kafkaClientSecurity, type MessagingLogger } from '@libs/messaging';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { messagingMetrics } from './messaging-metrics';
import type { Logger } from 'pino';
import { embeddedInfrastructure } from './embedded-infrastructure';
import { APP_NAME } from './platform.module';

/**
 * Starts the bus once every module and the `@EventPattern` handlers (startBusConsumers, before the app
 * initialises) have made their subscriptions (they begin at start), and stops it — each subscription finishing
 * and committing its batch — before the database connections close.
 */
@Injectable()
class MessageBusLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly bus: MessageBus) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!embeddedInfrastructure()) await this.bus.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!embeddedInfrastructure()) await this.bus.stop();
  }
}

@Module({})
export class MessagingModule {
  static forRoot(): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        {
          provide: MessageBus,
          useFactory: (config: KafkaConfig, source: string, logger: Logger, metrics: MetricsRegistry) => {
            const embeddedBus = embeddedInfrastructure()?.bus;
            if (embeddedBus) return embeddedBus;
            // Allowed (a private network may be trusted), but the password then crosses the wire as is.
            if (config.saslMechanism === 'plain' && !config.ssl)
              logger.warn(
                'KAFKA_SASL_MECHANISM=plain without KAFKA_SSL=true sends the Kafka password unencrypted',
              );
            return new KafkaMessageBus({
              source,
              brokers: config.brokers,
              clientId: `${config.clientId}-${source}`,
              topicPrefix: config.topicPrefix,
              clientLogLevel: config.clientLogLevel,
              logger: logger as unknown as MessagingLogger,
              observer: messagingMetrics(metrics.registry),
              consumer: {
                maxWaitTimeMs: config.consumerMaxWaitMs,
                partitionsConsumedConcurrently: config.consumerPartitionsConcurrently,
              },
              ...kafkaClientSecurity(config),
            });
          },
          inject: [KafkaConfig, APP_NAME, LOGGER, MetricsRegistry],
        },
        MessageBusLifecycle,
      ],
      exports: [MessageBus],
    };
  }
}
