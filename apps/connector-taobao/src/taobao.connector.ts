import { type ConnectorSpec, deliveryLinksFrom, parseTaobaoNotice, TaobaoAdapter } from '@libs/channels';
import { startEmbeddedPlatform, TaobaoSimulator } from '@libs/platform-simulators';

/**
 * Taobao: full-set pushes through `taobao.skus.quantity.update` (≤ 20 SKUs per item per call). No public QPS
 * figure exists for the stock APIs; 20 calls/s per app key is a conservative default (CONNECTOR_RATE_PER_SECOND).
 */
export const taobaoConnector: ConnectorSpec = {
  app: 'connector-taobao',
  channel: 'taobao',
  defaultPort: 3010,
  webhookPath: '/webhooks/taobao',
  defaults: {
    ratePerSecond: 20,
    burst: 20,
    deliveryRatePerSecond: 50,
    usesAppKey: true,
    deliversByLink: true,
  },
  parseNotice: parseTaobaoNotice,
  createAdapter: (c, config) =>
    new TaobaoAdapter({
      baseUrl: c.baseUrl,
      appKey: c.appKey,
      appSecret: c.appSecret,
      timeoutMs: config.requestTimeoutMs,
      deliveryLinks: deliveryLinksFrom(config),
    }),
  startEmbeddedPlatform: () =>
    startEmbeddedPlatform(({ appKey, appSecret }) => new TaobaoSimulator(appKey, appSecret)),
};
