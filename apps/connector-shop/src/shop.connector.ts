import { type ConnectorSpec, parseShopNotice, ShopAdapter } from '@libs/channels';
import { ShopSimulator, startEmbeddedPlatform } from '@libs/platform-simulators';

/**
 * The in-house shop / 分站: our own contract (openapi.yaml beside this app), ≤ 100 SKUs per call.
 * The shop's API secret (CONNECTOR_APP_SECRET) signs our requests; CONNECTOR_WEBHOOK_SECRETS verify its webhooks.
 * Every 分站 speaks the same contract, so the channel is configuration: CONNECTOR_CHANNEL (default `shop`), one
 * deployment of this app per 分站 (docs/runbook.md, "Several 分站").
 */
export const shopConnector: ConnectorSpec = {
  app: 'connector-shop',
  channel: 'shop',
  defaultPort: 3013,
  webhookPath: '/v1/webhooks/orders',
  defaults: { ratePerSecond: 50, burst: 20, deliveryRatePerSecond: 1000, channelFromConfig: true },
  parseNotice: parseShopNotice,
  createAdapter: (c, config, channel) =>
    new ShopAdapter(
      { baseUrl: c.baseUrl, apiSecret: c.appSecret, timeoutMs: config.requestTimeoutMs },
      channel,
    ),
  startEmbeddedPlatform: () => startEmbeddedPlatform(({ appSecret }) => new ShopSimulator(appSecret)),
};
