import {
  type ConnectorSpec,
  deliveryLinksFrom,
  MiniprogramAdapter,
  parseMiniprogramNotice,
} from '@libs/channels';
import { MiniprogramSimulator, startEmbeddedPlatform } from '@libs/platform-simulators';

/**
 * WeChat mini-shop: a target of 0 delists (a full update cannot set 0). About 800 calls per 30 s are reported
 * before errcode 300000, so the default stays under it at 25 calls/s.
 */
export const miniprogramConnector: ConnectorSpec = {
  app: 'connector-miniprogram',
  channel: 'miniprogram',
  defaultPort: 3012,
  webhookPath: '/webhooks/miniprogram',
  defaults: { ratePerSecond: 25, burst: 10, deliveryRatePerSecond: 25, deliversByLink: true },
  parseNotice: parseMiniprogramNotice,
  // WeChat authenticates with an access token: CONNECTOR_APP_SECRET carries it.
  createAdapter: (c, config) =>
    new MiniprogramAdapter({
      baseUrl: c.baseUrl,
      accessToken: c.appSecret,
      timeoutMs: config.requestTimeoutMs,
      deliveryLinks: deliveryLinksFrom(config),
    }),
  startEmbeddedPlatform: () => startEmbeddedPlatform(({ appSecret }) => new MiniprogramSimulator(appSecret)),
};
