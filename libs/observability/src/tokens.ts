/** The ReadinessIndicators /health/ready runs, in report order. */
export const READINESS_INDICATORS = Symbol('READINESS_INDICATORS');
export const LOGGER = Symbol('LOGGER');
