import { type ConnectorSpec, parseShopNotice, ShopAdapter } from '@libs/channels';
import { ShopSimulator, startEmbeddedPlatform } from '@libs/platform-simulators';

/**
 * The in-house shop / 分站: our own contract (openapi.yaml beside this app), ≤ 100 SKUs per call.
 * The shop's API secret (CONNECTOR_APP_SECRET) signs our requests; CONNECTOR_WEBHOOK_SECRETS verify its webhooks.
 */
export const shopConnector: ConnectorSpec = {
  app: 'connector-shop',
  channel: 'shop',
  defaultPort: 3013,
  webhookPath: '/v1/webhooks/orders',
  defaults: { ratePerSecond: 50, burst: 20, deliveryRatePerSecond: 1000 },
  parseNotice: parseShopNotice,
  createAdapter: (c, config) =>
    new ShopAdapter({ baseUrl: c.baseUrl, apiSecret: c.appSecret, timeoutMs: config.requestTimeoutMs }),
  startEmbeddedPlatform: () => startEmbeddedPlatform(({ appSecret }) => new ShopSimulator(appSecret)),
};
