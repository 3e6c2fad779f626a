import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { defineConfig } from './define-config';

/**
 * Where /metrics is served. Unset METRICS_PORT: on the app's own port, beside its routes. Set: on a listener of its
 * own (METRICS_HOST, loopback by default), and the app's port no longer answers /metrics — so a connector's
 * internet-facing webhook port need not show its metrics.
 */
export class MetricsListenerConfig {
  /** 0 lets the OS pick a free port (tests). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  port?: number;

  @IsString()
  host!: string;
}

export const metricsListenerConfig = defineConfig('metrics', MetricsListenerConfig, {
  port: { name: 'METRICS_PORT', parse: 'int' },
  host: { name: 'METRICS_HOST', default: '127.0.0.1' },
});
