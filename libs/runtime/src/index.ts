export * from './bootstrap';
export * from './platform.module';
export * from './postgres.module';
export * from './kafka-health';
export * from './embedded-infrastructure';
export * from './messaging.module';
export * from './event-store.module';
export * from './consumer-health';
