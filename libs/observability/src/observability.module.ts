import { type DynamicModule, type InjectionToken, Module, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LogConfig } from '@libs/config';
import { createLogger } from './logger';
import type { ReadinessIndicator } from './health';
import { MetricsRegistry } from './metrics-registry';
import { ObservabilityController } from './observability.controller';
import { LOGGER, READINESS_INDICATORS } from './tokens';

export interface ObservabilityOptions {
  app: string;
  /** Providers (tokens) of the ReadinessIndicators /health/ready runs. */
  healthChecks?: InjectionToken[];
}

@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    const indicatorTokens = options.healthChecks ?? [];
    const providers: Provider[] = [
      // A factory, not a value: two apps of one process (tests, the one-process engine) each get their own registry.
      { provide: MetricsRegistry, useFactory: () => new MetricsRegistry(options.app) },
      {
        provide: LOGGER,
        useFactory: (log: LogConfig) => createLogger(options.app, log.level),
        inject: [LogConfig],
      },
      {
        provide: READINESS_INDICATORS,
        useFactory: (...indicators: ReadinessIndicator[]) => indicators,
        inject: indicatorTokens,
      },
    ];
    // Terminus logs every failed check through Nest's logger; a probe every few seconds while a dependency is away
    // would bury the app's own logs, and the failure is already in the 503 answer and the alerts.
    const terminus = TerminusModule.forRoot({ logger: false });
    return {
      module: ObservabilityModule,
      global: true,
      imports: [terminus],
      controllers: [ObservabilityController],
      providers,
      // Terminus's HealthIndicatorService reaches every module, so an app's own indicators need no import.
      exports: [MetricsRegistry, LOGGER, READINESS_INDICATORS, terminus],
    };
  }
}
