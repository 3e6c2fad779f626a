export * from './metrics-registry';
export * from './logger';
export * from './health';
export * from './tokens';
export * from './observability.module';
export { ObservabilityController } from './observability.controller';
export * from './bounded-label';
export * from './fulfilment-stages';
