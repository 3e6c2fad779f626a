export * from './config-error';
export * from './define-config';
export * from './namespaces';
export * from './config.module';
export * from './service-auth.config';
export * from './metrics-listener.config';
export * from './event-store.config';
