import { randomBytes } from 'node:crypto';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  sendNotification,
  ShopSimulator,
  type SimulatedPlatform,
  TaobaoSimulator,
} from '@libs/platform-simulators';
import { type ServiceProcess, startServiceProcess } from './service-process';

export const CHANNELS = ['taobao', 'pinduoduo', 'miniprogram', 'shop'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * The four platforms as simulators on loopback and the seven apps that serve them, each started from its own
 * main.ts in a child process as it is deployed: the inventory service, the projector, the operations API and one
 * connector per platform, on the real broker and PostgreSQL. Orders reach the connectors as the platforms' signed
 * notices.
 */
export class FourPlatforms {
  readonly platforms: Record<Channel, { sim: SimulatedPlatform; path: string }>;
  services: ServiceProcess[] = [];
  private readonly webhookSecrets: Record<Channel, string>;

  constructor(
    private readonly run: string,
    private readonly appKey = `app-${run}`,
    private readonly appSecrets: Record<Channel, string> = {
      taobao: secret('tb'),
      pinduoduo: secret('pdd'),
      miniprogram: secret('wx'),
      shop: secret('shop'),
    },
  ) {
    this.platforms = {
      taobao: { sim: new TaobaoSimulator(appKey, appSecrets.taobao), path: '/webhooks/taobao' },
      pinduoduo: { sim: new PinduoduoSimulator(appKey, appSecrets.pinduoduo), path: '/webhooks/pinduoduo' },
      miniprogram: { sim: new MiniprogramSimulator(appSecrets.miniprogram), path: '/webhooks/miniprogram' },
      shop: { sim: new ShopSimulator(appSecrets.shop), path: '/v1/webhooks/orders' },
    };
    this.webhookSecrets = {
      taobao: `hook-taobao-${run}`,
      pinduoduo: `hook-pinduoduo-${run}`,
      miniprogram: `hook-miniprogram-${run}`,
      shop: `hook-shop-${run}`,
    };
  }

  /** Starts the simulators, then the seven apps, and waits until every app is ready. */
  async start(env: {
    common: Record<string, string>;
    api: Record<string, string>;
    readyMs: number;
  }): Promise<void> {
    for (const channel of CHANNELS) await this.platforms[channel].sim.start();
    this.services = await Promise.all([
      startServiceProcess('inventory-service', {
        ...env.common,
        INVENTORY_CONSUMER_GROUP: `inventory-${this.run}`,
      }),
      startServiceProcess('projector', env.common),
      startServiceProcess('api', { ...env.common, ...env.api }),
      ...CHANNELS.map((channel) =>
        startServiceProcess(`connector-${channel}`, {
          ...env.common,
          CONNECTOR_PLATFORM_URL: this.platforms[channel].sim.url,
          CONNECTOR_APP_KEY: this.appKey,
          CONNECTOR_APP_SECRET: this.appSecrets[channel],
          CONNECTOR_WEBHOOK_SECRETS: this.webhookSecrets[channel],
          CONNECTOR_CONSUMER_GROUP: `connector-${channel}-${this.run}`,
        }),
      ),
    ]);
    await Promise.all(this.services.map((s) => s.ready(env.readyMs)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.services.map((s) => s.stop()));
    for (const channel of CHANNELS) await this.platforms[channel].sim.stop();
  }

  service(app: string): ServiceProcess {
    const found = this.services.find((s) => s.app === app);
    if (!found) throw new Error(`no ${app} started`);
    return found;
  }

  /** A signed notice from the channel's platform to its connector's webhook. */
  notify(channel: Channel, body: unknown) {
    return sendNotification(
      {
        url: this.service(`connector-${channel}`).url,
        path: this.platforms[channel].path,
        secret: this.webhookSecrets[channel],
      },
      body,
    );
  }

  /** What the platform lists for the SKU now: its quantity, 0 when delisted, undefined when it has no listing. */
  listed(channel: Channel, sku: string): number | undefined {
    const listing = this.platforms[channel].sim.listings.get(sku);
    return listing === undefined ? undefined : listing.listed ? listing.quantity : 0;
  }

  /** The marketplaces update SKUs already listed there (the shop lists whatever it is sent): list it at 0 first. */
  listOnMarketplaces(sku: string): void {
    this.platforms.taobao.sim.setListing(sku, 0);
    this.platforms.pinduoduo.sim.setListing(sku, 0);
    this.platforms.miniprogram.sim.setListing(sku, 0, { listed: false });
  }
}

const secret = (name: string) => `${name}-${randomBytes(12).toString('base64url')}`;
