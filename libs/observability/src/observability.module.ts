import { type DynamicModule, type InjectionToken, Module, type Provider } from '@nestjs/common';
import { LogConfig } from '@libs/config';
import { createLogger } from './logger';
import type { HealthCheck } from './health';
import { MetricsRegistry } from './metrics-registry';
import { ObservabilityController } from './observability.controller';
import { HEALTH_CHECKS, LOGGER } from './tokens';

export interface ObservabilityOptions {
  app: string;
  /** Providers (tokens) of the HealthChecks readiness waits for. */
  healthChecks?: InjectionToken[];
}

@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    const checkTokens = options.healthChecks ?? [];
    const providers: Provider[] = [
      // A factory, not a value: two apps of one process (tests, the one-process engine) each get their own registry.
      { provide: MetricsRegistry, useFactory: () => new MetricsRegistry(options.app) },
      {
        provide: LOGGER,
        useFactory: (log: LogConfig) => createLogger(options.app, log.level),
        inject: [LogConfig],
      },
      {
        provide: HEALTH_CHECKS,
        useFactory: (...checks: HealthCheck[]) => checks,
        inject: checkTokens,
      },
    ];
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [ObservabilityController],
      providers,
      exports: [MetricsRegistry, LOGGER, HEALTH_CHECKS],
    };
  }
}
