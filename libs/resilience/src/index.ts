export * from './backoff';
export * from './sleep';
export * from './retry';
export * from './transient-error';
export * from './periodic-task';
