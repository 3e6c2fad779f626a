// Public surface of libs/platform-simulators: stand-ins for the platforms' stock APIs and order notifications.
export * from './simulated-platform';
export * from './notification-sender';
export * from './taobao-simulator';
export * from './pinduoduo-simulator';
export * from './miniprogram-simulator';
export * from './shop-simulator';
export * from './supplier-simulator';
export * from './embedded-platform';
