export * from './queryable';
export * from './migrations';
export * from './embedded-postgres';
export * from './pool';
export * from './transaction';
