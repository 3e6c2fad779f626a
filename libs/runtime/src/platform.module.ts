import { type DynamicModule, Module } from '@nestjs/common';
import {
  ConfigModule,
  databaseConfig,
  httpConfig,
  kafkaConfig,
  logConfig,
  metricsListenerConfig,
  serviceAuthConfig,
  type ConfigDefinition,
} from '@libs/config';
import { ObservabilityModule } from '@libs/observability';
import { ConsumerHealthIndicator } from './consumer-health';
import { KafkaHealthIndicator } from './kafka-health';
import { PostgresHealthIndicator, PostgresModule } from './postgres.module';
import { RawBodyRoutes } from './raw-body-routes';

export interface AppDescriptor {
  name: string;
  defaultPort: number;
  /** Namespaces beyond the ones every app reads (http, database, kafka, log). */
  config?: ConfigDefinition<object>[];
}

/**
 * What every StockSync app has: validated config, PostgreSQL, /health (Terminus: PostgreSQL, Kafka and consumer
 * indicators for readiness) and /metrics, JSON logs.
 */
@Module({})
export class PlatformModule {
  static forApp(app: AppDescriptor): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        // serviceAuth: every app may call another's internal routes (SERVICE_TOKEN) or serve them (SERVICE_TOKEN_HASHES).
        ConfigModule.forRoot([
          httpConfig(app.defaultPort),
          databaseConfig,
          kafkaConfig,
          logConfig,
          serviceAuthConfig,
          metricsListenerConfig,
          ...(app.config ?? []),
        ]),
        PostgresModule,
        ObservabilityModule.forRoot({
          app: app.name,
          healthChecks: [PostgresHealthIndicator, KafkaHealthIndicator, ConsumerHealthIndicator],
        }),
      ],
      providers: [
        KafkaHealthIndicator,
        ConsumerHealthIndicator,
        RawBodyRoutes,
        { provide: APP_NAME, useValue: app.name },
      ],
      exports: [KafkaHealthIndicator, ConsumerHealthIndicator, RawBodyRoutes, APP_NAME],
      global: true,
    };
  }
}

export const APP_NAME = Symbol('APP_NAME');
