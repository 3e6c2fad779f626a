import { Controller, Get, Inject, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import type { ReadinessIndicator } from './health';
import { MetricsRegistry } from './metrics-registry';
import { READINESS_INDICATORS } from './tokens';

@Controller()
export class ObservabilityController {
  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly health: HealthCheckService,
    @Inject(READINESS_INDICATORS) private readonly indicators: ReadinessIndicator[],
  ) {}

  /**
   * Liveness: the process serves HTTP. Orchestrators restart on failure, so it checks no dependency. `/health` is
   * the original path, `/health/live` the one Kubernetes examples use; both answer the same.
   */
  @Get(['health', 'health/live'])
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Readiness: every dependency answers (200 `ok`); 503 `error` names the failing indicator, and load balancers stop
   * routing here. 200 `degraded` means a part of the app is stuck on something routing cannot fix, e.g. a consumer
   * retrying while a dependency is down.
   */
  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.indicators.map((indicator) => () => indicator.isHealthy()));
  }

  @Get('metrics')
  async scrape(@Res() res: Response) {
    res.setHeader('Content-Type', this.metrics.contentType());
    res.send(await this.metrics.render());
  }
}
