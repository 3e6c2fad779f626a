export * from './test-database';
export * from './test-kafka';
export * from './embedded-postgres-process';
export * from './history/oracle';
export * from './adapter-channel-access';
export * from './connector-rig';
export * from './connector-journeys';
