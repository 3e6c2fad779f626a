export * from './reconciliation.migrations';
export * from './classify-difference';
export * from './channel-access';
export * from './reconciliation-metrics';
export * from './reconciliation-run';
export * from './report-export';
export * from './analyst-views.migrations';
export * from './connector-client';
