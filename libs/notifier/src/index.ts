// Public surface of libs/notifier. Apps that only report alerts import AlertSink and AlertPublisher from
// @libs/messaging instead: they need none of this.
export * from './policy/alert-policy';
export * from './policy/quiet-hours';
export * from './policy/routing';
export * from './format/render';
export * from './receivers/receiver';
export * from './receivers/signing';
export * from './receivers/http-receivers';
export * from './receivers/email-receiver';
export * from './receivers/build-receivers';
export * from './sources';
export * from './notifier';
export * from './notifier.metrics';
export * from './notifier.migrations';
