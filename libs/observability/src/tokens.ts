export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');
export const LOGGER = Symbol('LOGGER');
