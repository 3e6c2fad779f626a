import {
  type ConnectorSpec,
  deliveryLinksFrom,
  parsePinduoduoNotice,
  PinduoduoAdapter,
} from '@libs/channels';
import { PinduoduoSimulator, startEmbeddedPlatform } from '@libs/platform-simulators';

/**
 * Pinduoduo: `pdd.goods.quantity.update`, one SKU per call; a promotion-slot refusal is recorded and left for
 * reconciliation. The only public rate figure ("3,000 a minute or fewer") is low confidence: default 40 calls/s.
 */
export const pinduoduoConnector: ConnectorSpec = {
  app: 'connector-pinduoduo',
  channel: 'pinduoduo',
  defaultPort: 3011,
  webhookPath: '/webhooks/pinduoduo',
  defaults: {
    ratePerSecond: 40,
    burst: 10,
    deliveryRatePerSecond: 50,
    usesAppKey: true,
    deliversByLink: true,
  },
  parseNotice: parsePinduoduoNotice,
  createAdapter: (c, config) =>
    new PinduoduoAdapter({
      baseUrl: c.baseUrl,
      clientId: c.appKey,
      clientSecret: c.appSecret,
      timeoutMs: config.requestTimeoutMs,
      deliveryLinks: deliveryLinksFrom(config),
    }),
  startEmbeddedPlatform: () =>
    startEmbeddedPlatform(({ appKey, appSecret }) => new PinduoduoSimulator(appKey, appSecret)),
};
