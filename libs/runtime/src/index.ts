export * from './bootstrap';
export * from './platform.module';
export * from './postgres.module';
export * from './kafka-health';
