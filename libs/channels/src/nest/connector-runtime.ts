import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { CardVault, parseKeyring } from '@libs/card-vault';
import { runMigrations } from '@libs/database';
import { AlertPublisher, MessageBus } from '@libs/messaging';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ChannelMetrics } from '../channel-metrics';
import { channelsMigrations } from '../channels.migrations';
import { CardKeyDeliverer } from '../fulfilment/card-key-deliverer';
import { DeliveryPage, deliveryPageMigrations } from '../fulfilment/delivery-page';
import { deliveryLinksFrom } from './delivery-links-config';
import { DeliveryLedger } from '../fulfilment/delivery-ledger';
import { BusDeliveryReporter } from '../fulfilment/delivery-reports';
import { WebhookReceiver } from '../inbound/webhook-receiver';
import { ChannelPusher } from '../outbound/channel-pusher';
import type { PlatformAdapter } from '../outbound/platform-adapter';
import { PushStateStore } from '../outbound/push-state-store';
import { ConnectorConfig } from './connector.config';
import {
  connectorChannel,
  CONNECTOR_SPEC,
  type ConnectorSpec,
  PLATFORM_CONNECTION,
  type PlatformConnection,
} from './connector-spec';

type WithVault = ConnectorConfig &
  Required<Pick<ConnectorConfig, 'vaultKeys' | 'vaultActiveKeyId' | 'vaultFingerprintKey'>>;

/**
 * Whether the card vault is configured (CARD_VAULT_KEYS, CARD_VAULT_ACTIVE_KEY_ID and CARD_VAULT_FINGERPRINT_KEY):
 * card-key fulfilment, its consumer included, exists only then.
 */
export function cardVaultConfigured(config: ConnectorConfig): config is WithVault {
  return Boolean(config.vaultKeys && config.vaultActiveKeyId && config.vaultFingerprintKey);
}

/**
 * Wires one connector: migrations, the webhook receiver, the push path (targets → queue → platform) and, when
 * the card vault is configured, card-key fulfilment. Its consumers are the `@EventPattern` controllers of
 * connectorConsumers, which hand their batches to the pusher and the deliverer set up here; the bus starts
 * delivering once the app has initialised.
 */
@Injectable()
export class ConnectorRuntime implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  receiver!: WebhookReceiver;
  adapter!: PlatformAdapter;
  pusher!: ChannelPusher;
  deliverer?: CardKeyDeliverer;
  /** The buyer's delivery page, on connectors whose platform gets a link instead of the key. */
  deliveryPage?: DeliveryPage;
  /** The channel this process serves (connectorChannel): CONNECTOR_CHANNEL on the shop, the platform's otherwise. */
  readonly channel: string;
  private refusedRetryTimer?: NodeJS.Timeout;

  constructor(
    @Inject(CONNECTOR_SPEC) private readonly spec: ConnectorSpec,
    private readonly config: ConnectorConfig,
    @Inject(PLATFORM_CONNECTION) private readonly connection: PlatformConnection,
    private readonly bus: MessageBus,
    private readonly metricsRegistry: MetricsRegistry,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.channel = connectorChannel(config, spec);
  }

  async onModuleInit(): Promise<void> {
    const { spec, config, channel } = this;
    await runMigrations(this.pool, channelsMigrations);
    const metrics = ChannelMetrics.for(this.metricsRegistry.registry);
    const adapter = spec.createAdapter(this.connection, config, channel);
    // The pusher's push state and metrics and the deliverer's rows are the adapter's channel: it must be this one.
    if (adapter.channel !== channel)
      throw new Error(`${spec.app}: the adapter serves channel ${adapter.channel}, not ${channel}`);
    this.adapter = withListingOnDemand(adapter, this.connection);
    const secrets =
      config.webhookSecrets.length > 0
        ? config.webhookSecrets
        : this.connection.webhookSecret
          ? [this.connection.webhookSecret]
          : [];
    if (secrets.length === 0)
      this.logger.warn(
        { channel },
        'CONNECTOR_WEBHOOK_SECRETS is not set: every order notification will be refused',
      );
    this.receiver = new WebhookReceiver(
      {
        channel,
        secrets,
        parse: spec.parseNotice,
        defaultHoldMs: config.orderHoldMs,
        limits: { maxLineQuantity: config.maxLineQuantity, maxOrderQuantity: config.maxOrderQuantity },
        inboxClaimMs: config.inboxRelayAfterMs,
      },
      this.pool,
      this.bus,
      metrics,
    );
    // Notices recorded but not published (a broker failure, or a crash between the two) go out from here.
    this.receiver.startRelay(
      config.inboxRelayIntervalMs,
      (err) => this.logger.warn({ channel, err: (err as Error).message }, 'webhook inbox relay failed'),
      (rows) => this.logger.warn({ channel, rows }, 'webhook inbox relay published notices left pending'),
    );

    this.pusher = new ChannelPusher(
      this.adapter,
      new PushStateStore(this.pool),
      metrics,
      {
        ratePerSecond: config.ratePerSecond,
        burst: config.burst,
        concurrency: config.concurrency,
        backoff: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
        circuit: { failureThreshold: config.circuitFailures, openMs: config.circuitOpenMs },
        maxRetryAfterMs: config.maxRetryAfterMs,
      },
      this.logger,
    );
    await this.pusher.start();
    if (config.refusedRetryMs > 0) {
      this.refusedRetryTimer = setInterval(() => {
        this.pusher
          .requeueUnacknowledged()
          .catch((err: Error) =>
            this.logger.warn({ channel, err: err.message }, 'refused pushes not re-queued'),
          );
      }, config.refusedRetryMs);
      this.refusedRetryTimer.unref();
    }
    const vault = await this.openVault();
    const links = spec.defaults.deliversByLink ? deliveryLinksFrom(config) : undefined;
    if (vault && links) {
      await runMigrations(this.pool, deliveryPageMigrations);
      this.deliveryPage = new DeliveryPage(this.pool, links, vault, {
        channel,
        maxViews: config.deliveryLinkMaxViews,
      });
    }
    if (vault) {
      this.deliverer = new CardKeyDeliverer(
        this.adapter,
        new DeliveryLedger(this.pool),
        vault,
        metrics,
        {
          pollMs: 250,
          // At least two request timeouts: a renewal may wait behind a slow database while a call is in flight.
          leaseMs: Math.max(config.deliveryLeaseMs, config.requestTimeoutMs * 2),
          maxAttempts: config.deliveryMaxAttempts,
          concurrency: config.deliveryConcurrency,
          ratePerSecond: config.deliveryRatePerSecond,
          backoff: { initialMs: config.retryInitialMs, maxMs: config.retryMaxMs },
          alertAfterMs: config.deliveryAlertAfterMs,
          maxRetryAfterMs: config.maxRetryAfterMs,
          reporter: new BusDeliveryReporter(this.bus),
          alerts: new AlertPublisher(this.bus),
        },
        this.logger,
      );
      this.deliverer.start();
    } else {
      this.logger.warn(
        { channel },
        'card-key delivery is off: CARD_VAULT_KEYS, CARD_VAULT_ACTIVE_KEY_ID and CARD_VAULT_FINGERPRINT_KEY are not all set',
      );
    }
  }

  // The consumers stop with the bus (MessagingModule) and the transport, after this: a batch still handled then only
  // records its targets or allocations, which the next start pushes (ChannelPusher.start) and delivers.
  async beforeApplicationShutdown(): Promise<void> {
    await this.receiver?.stopRelay();
    clearInterval(this.refusedRetryTimer);
    await this.deliverer?.stop();
    await this.pusher?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.stop?.();
  }

  private async openVault(): Promise<CardVault | undefined> {
    if (!cardVaultConfigured(this.config)) return undefined;
    const { vaultKeys, vaultActiveKeyId, vaultFingerprintKey } = this.config;
    return CardVault.create(this.pool, {
      activeKeyId: vaultActiveKeyId,
      keys: parseKeyring(vaultKeys),
      fingerprintKey: Buffer.from(vaultFingerprintKey, 'base64'),
    });
  }
}

/** Against an in-process simulated platform, the demo catalogue is listed there on first push. */
function withListingOnDemand(adapter: PlatformAdapter, connection: PlatformConnection): PlatformAdapter {
  const ensureListed = connection.ensureListed;
  if (!ensureListed) return adapter;
  const push = adapter.push.bind(adapter);
  adapter.push = (targets) => {
    ensureListed(targets.map((t) => t.sku));
    return push(targets);
  };
  return adapter;
}
