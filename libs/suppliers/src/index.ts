// Public surface of libs/suppliers: the upstream supplier (货源 / 主站) contract v1, its client and inbound checks.
export * from './contract';
export * from './validation';
export * from './supplier-client';
export * from './supplier-notices';
export * from './supplier-config';
export * from './suppliers.config';
