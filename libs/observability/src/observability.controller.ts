import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HEALTH_CHECKS } from './tokens';
import { type HealthCheck, runHealthChecks } from './health';
import { MetricsRegistry } from './metrics-registry';

@Controller()
export class ObservabilityController {
  constructor(
    private readonly metrics: MetricsRegistry,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
  ) {}

  /** Liveness: the process serves HTTP. Orchestrators restart on failure, so it checks no dependency. */
  @Get('health')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /**
   * Readiness: every dependency answers; load balancers stop routing while it is 503. `degraded` (200) means a
   * part of the app is stuck on something routing cannot fix, e.g. a consumer retrying while a dependency is down.
   */
  @Get('health/ready')
  async ready(@Res() res: Response) {
    const report = await runHealthChecks(this.checks);
    res.status(report.status === 'unavailable' ? 503 : 200).json(report);
  }

  @Get('metrics')
  async scrape(@Res() res: Response) {
    res.setHeader('Content-Type', this.metrics.contentType());
    res.send(await this.metrics.render());
  }
}
