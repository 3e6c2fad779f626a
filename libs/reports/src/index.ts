export * from './report-queries';
export * from './report-views.migrations';
