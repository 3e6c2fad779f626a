import type { HealthIndicatorResult } from '@nestjs/terminus';

/**
 * A Terminus health indicator that /health/ready runs. Each one answers for one dependency under its own key:
 * `up`; `down` (the dependency is one the app cannot serve without: readiness answers 503 and load balancers stop
 * routing to it); or `degraded` (a part of the app is stuck on something routing elsewhere would not cure, e.g. a
 * consumer waiting for a dependency: readiness stays 200, says `degraded`, and an alert pages someone).
 */
export interface ReadinessIndicator {
  /** The indicator's key in the report (`info`, `error` and `details`). */
  readonly key: string;
  isHealthy(): Promise<HealthIndicatorResult>;
}

/** A probe that does not answer within this is `down`: the orchestrator's own probe timeout is usually a few s. */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;
