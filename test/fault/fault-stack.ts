import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  MiniprogramSimulator,
  PinduoduoSimulator,
  ShopSimulator,
  type SimulatedPlatform,
  TaobaoSimulator,
  type WebhookTarget,
} from '@libs/platform-simulators';
import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { AppProcess } from './app-process';
import { FaultBroker } from './fault-broker';
import { CHANNELS, type Channel } from './traffic';

export interface CatalogueSku {
  sku: string;
  kind: 'quantity' | 'cardKey';
  /** Units received (quantity) or card keys imported (cardKey). */
  stock: number;
}

export interface StackOptions {
  label: string;
  /** The suite's own broker port (never 19092); the controller takes the next one. */
  kafkaPort: number;
  /** inventory-service instances in one consumer group (inventory-service-1, -2, …). */
  inventoryInstances?: number;
  /** Apps created but left stopped until a scenario starts them. */
  standby?: string[];
  /** Extra environment for every app. */
  env?: Record<string, string>;
  /** Extra environment for the connectors. */
  connectorEnv?: Record<string, string>;
}

const WEBHOOK_PATHS: Record<Channel, string> = {
  taobao: '/webhooks/taobao',
  pinduoduo: '/webhooks/pinduoduo',
  miniprogram: '/webhooks/miniprogram',
  shop: '/v1/webhooks/orders',
};

/**
 * The whole product as deployed, for one fault suite: its own Kafka broker, its own PostgreSQL database, the
 * inventory service (one or more instances), the projector, the four connectors and the API, each from its
 * own main.ts in a child process, and the four platforms as simulators on loopback.
 */
export class FaultStack {
  readonly run = randomBytes(3).toString('hex');
  readonly prefix = `fault-${this.run}.`;
  readonly broker: FaultBroker;
  db!: TestDatabase;
  readonly apps = new Map<string, AppProcess>();
  readonly platforms: Record<Channel, SimulatedPlatform>;
  private readonly appKey = `app-${this.run}`;
  private readonly appSecrets = Object.fromEntries(
    CHANNELS.map((c) => [c, `${c}-${randomBytes(12).toString('base64url')}`]),
  ) as Record<Channel, string>;
  private readonly webhookSecrets = Object.fromEntries(
    CHANNELS.map((c) => [c, `hook-${c}-${randomBytes(9).toString('base64url')}`]),
  ) as Record<Channel, string>;
  private readonly bootstrapAdminKey = randomBytes(24).toString('base64url');
  private adminKey = '';
  readonly logDir: string;

  constructor(private readonly options: StackOptions) {
    this.broker = new FaultBroker(options.kafkaPort);
    this.platforms = {
      taobao: new TaobaoSimulator(this.appKey, this.appSecrets.taobao),
      pinduoduo: new PinduoduoSimulator(this.appKey, this.appSecrets.pinduoduo),
      miniprogram: new MiniprogramSimulator(this.appSecrets.miniprogram),
      shop: new ShopSimulator(this.appSecrets.shop),
    };
    this.logDir = join(__dirname, '..', '..', '.cache', 'fault-logs', `${options.label}-${this.run}`);
  }

  get brokers(): string[] {
    return this.broker.brokers;
  }

  /** Starts the broker, the database, the simulators and every app, and waits until all are ready. */
  async start(): Promise<void> {
    await Promise.all([
      this.broker.start(),
      createTestDatabase(`fault_${this.options.label}`).then((db) => (this.db = db)),
      ...CHANNELS.map((c) => this.platforms[c].start()),
    ]);
    const vaultKey = randomBytes(32).toString('base64');
    const common: Record<string, string> = {
      DATABASE_URL: this.db.url,
      KAFKA_BROKERS: this.brokers.join(','),
      KAFKA_TOPIC_PREFIX: this.prefix,
      // FAULT_LOG_LEVEL=info (or debug) keeps more of each app's story in .cache/fault-logs for a failed scenario.
      LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'warn',
      CARD_VAULT_KEYS: `k1:${vaultKey}`,
      CARD_VAULT_ACTIVE_KEY_ID: 'k1',
      CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
      DELIVERY_LINK_SECRET: randomBytes(32).toString('base64url'),
      DELIVERY_PAGE_URL: 'http://127.0.0.1:1',
      // Unpaid orders hold their stock for the whole run: expiry is not what these scenarios exercise.
      RESERVATION_SWEEP_INTERVAL_MS: '600000',
      ...this.options.env,
    };
    const add = async (name: string, app: string, env: Record<string, string> = {}) =>
      this.apps.set(name, await AppProcess.create(name, app, { ...common, ...env }, this.logDir));
    // The projector first: it creates the read models the others read.
    await add('projector', 'projector');
    for (let i = 1; i <= (this.options.inventoryInstances ?? 1); i++)
      await add(`inventory-service-${i}`, 'inventory-service');
    await add('api', 'api', { API_BOOTSTRAP_ADMIN_KEY: this.bootstrapAdminKey });
    for (const channel of CHANNELS) {
      await add(`connector-${channel}`, `connector-${channel}`, {
        CONNECTOR_PLATFORM_URL: this.platforms[channel].url,
        CONNECTOR_APP_KEY: this.appKey,
        CONNECTOR_APP_SECRET: this.appSecrets[channel],
        CONNECTOR_WEBHOOK_SECRETS: this.webhookSecrets[channel],
        CONNECTOR_RETRY_INITIAL_MS: '100',
        CONNECTOR_RETRY_MAX_MS: '5000',
        ...this.options.connectorEnv,
      });
    }
    const projector = this.app('projector');
    projector.start();
    await projector.ready(90_000);
    const rest = [...this.apps.values()].filter(
      (a) => a !== projector && !this.options.standby?.includes(a.name),
    );
    for (const a of rest) a.start();
    await Promise.all(rest.map((a) => a.ready(120_000)));
  }

  app(name: string): AppProcess {
    const app = this.apps.get(name);
    if (!app) throw new Error(`no app ${name} in this stack`);
    return app;
  }

  target(channel: Channel): WebhookTarget {
    return {
      url: this.app(`connector-${channel}`).url,
      path: WEBHOOK_PATHS[channel],
      secret: this.webhookSecrets[channel],
    };
  }

  /** Registers the SKUs with 100 % on every channel, receives or imports their stock, through the API. */
  async seed(catalogue: readonly CatalogueSku[]): Promise<void> {
    if (!this.adminKey) {
      const created = await this.api(
        'POST',
        '/v1/api-keys',
        { name: `ops-${this.run}`, role: 'admin' },
        this.bootstrapAdminKey,
      );
      this.adminKey = String((created as { key: string }).key);
    }
    for (const s of catalogue) {
      // The marketplaces update SKUs already listed there; WeChat's start delisted; the shop lists what it is sent.
      this.platforms.taobao.setListing(s.sku, 0);
      this.platforms.pinduoduo.setListing(s.sku, 0);
      this.platforms.miniprogram.setListing(s.sku, 0, { listed: false });
      await this.api('POST', '/v1/skus', { sku: s.sku, kind: s.kind });
      for (const channel of CHANNELS)
        await this.api('PUT', `/v1/skus/${s.sku}/channels/${channel}/policy`, { sharePercent: 100 });
      if (s.kind === 'quantity') {
        await this.api('POST', `/v1/skus/${s.sku}/receipts`, {
          batchId: `po-${this.run}`,
          quantity: s.stock,
        });
      } else {
        const keys = Array.from(
          { length: s.stock },
          (_, i) => `${s.sku}-${i}-${randomBytes(8).toString('hex')}`,
        ).join('\n');
        await this.api(
          'POST',
          `/v1/skus/${s.sku}/card-keys/import?batchId=b-${this.run}`,
          keys,
          this.adminKey,
          'text/plain',
        );
      }
    }
  }

  private async api(
    method: string,
    path: string,
    body: unknown,
    key = this.adminKey,
    contentType = 'application/json',
  ): Promise<unknown> {
    const response = await fetch(`${this.app('api').url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Every process, the simulators, the broker and the database, whatever state the run left them in. */
  async stop(): Promise<void> {
    await Promise.all([...this.apps.values()].map((a) => a.stop().catch(() => undefined)));
    await Promise.all(CHANNELS.map((c) => this.platforms[c].stop().catch(() => undefined)));
    await this.broker.stop();
    await this.db?.drop().catch(() => undefined);
  }
}
