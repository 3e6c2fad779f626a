export * from './sku-stream';
export * from './channel-event-commands';
export * from './order-outcomes';
export * from './inventory-metrics';
export * from './inventory-handler';
export * from './channel-event-processor';
export * from './reservation-expiry-sweeper';
