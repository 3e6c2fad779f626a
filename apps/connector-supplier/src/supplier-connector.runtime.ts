import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CardVault, CardVaultConfig, cardVaultKeysOf } from '@libs/card-vault';
import { runMigrations } from '@libs/database';
import { AlertPublisher, ChannelEventsTopic, MessageBus } from '@libs/messaging';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { PG_POOL } from '@libs/runtime';
import { SupplierClient, SuppliersConfig, suppliersOf, type SupplierConfig } from '@libs/suppliers';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ForwardStore } from './forward-store';
import { Forwarder } from './forwarder';
import type { LaneRequest } from './lane-requests';
import { StockWatcher } from './stock-watcher';
import { SupplierConnectorConfig } from './supplier-connector.config';
import { supplierForwardsMigrations } from './supplier-forwards.migrations';
import { SupplierMetrics } from './supplier-metrics';
import { UnfulfilledOrders } from './unfulfilled-orders';

/** The routes suppliers post to (signed; no service token). The supplier is named by `?supplier=<id>`. */
export const NOTICES_PATH = '/v1/supplier-notices';
export const CALLBACKS_PATH = '/v1/supplier-callbacks';

/**
 * Wires the supplier connector: its table, one client per configured supplier (SUPPLIERS), the card vault (the keys
 * suppliers return are sealed before the inventory hears of them), the forwarder and the stock watcher.
 */
@Injectable()
export class SupplierConnectorRuntime implements OnModuleInit, OnApplicationShutdown {
  suppliers!: SupplierConfig[];
  clients!: Map<string, SupplierClient>;
  store!: ForwardStore;
  forwarder!: Forwarder;
  watcher!: StockWatcher;
  metrics!: SupplierMetrics;
  private gauge?: NodeJS.Timeout;

  constructor(
    private readonly config: SupplierConnectorConfig,
    private readonly suppliersConfig: SuppliersConfig,
    private readonly vaultConfig: CardVaultConfig,
    private readonly bus: MessageBus,
    private readonly registry: MetricsRegistry,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const keys = cardVaultKeysOf(this.vaultConfig);
    // Without the vault a fulfilment could not be kept: refuse to start rather than take orders and lose keys.
    if (keys === undefined) {
      throw new Error(
        'connector-supplier needs the card vault (CARD_VAULT_KEYS, CARD_VAULT_ACTIVE_KEY_ID, CARD_VAULT_FINGERPRINT_KEY)',
      );
    }
    await runMigrations(this.pool, supplierForwardsMigrations);
    const vault = await CardVault.create(this.pool, keys);
    this.metrics = SupplierMetrics.for(this.registry.registry);
    this.suppliers = suppliersOf(this.suppliersConfig);
    this.clients = new Map(this.suppliers.map((s) => [s.id, new SupplierClient(s)]));
    this.store = new ForwardStore(this.pool);
    const publish = (requests: LaneRequest[]) =>
      this.bus.publish(ChannelEventsTopic, requests).then(() => undefined);
    const publicUrl = this.config.publicUrl?.replace(/\/+$/, '');
    this.forwarder = new Forwarder(
      this.store,
      this.clients,
      vault,
      publish,
      {
        giveUpMs: this.config.forwardGiveUpMs,
        checkMs: this.config.forwardCheckMs,
        concurrency: this.config.forwardConcurrency,
        // Longer than the slowest supplier's call, with room for sealing and publishing the answer.
        leaseMs: Math.max(
          this.config.forwardCheckMs * 2,
          5_000 + Math.max(0, ...this.suppliers.map((s) => s.timeoutMs)),
        ),
        ...(publicUrl
          ? {
              callbackUrl: (id: string) => `${publicUrl}${CALLBACKS_PATH}?supplier=${encodeURIComponent(id)}`,
            }
          : {}),
      },
      this.logger,
      this.metrics,
    );
    this.watcher = new StockWatcher(
      this.pool,
      this.suppliers,
      this.clients,
      publish,
      { newLinkCheckMs: this.config.newLinkCheckMs },
      this.logger,
      this.metrics,
    );
    if (this.suppliers.length === 0)
      this.logger.warn('SUPPLIERS names no supplier: nothing is polled or forwarded');
    this.forwarder.start();
    this.watcher.start();
    const unfulfilled = new UnfulfilledOrders(
      this.pool,
      new AlertPublisher(this.bus),
      this.config.unfulfilledAlertMs,
      this.logger,
    );
    this.gauge = setInterval(() => {
      this.store.open().then(
        (n) => this.metrics.openForwards.set(n),
        () => undefined,
      );
      unfulfilled.check(Date.now()).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'looking for paid orders no supplier fulfilled failed');
      });
    }, 5_000);
    this.gauge.unref();
  }

  supplier(id: string): SupplierConfig | undefined {
    return this.suppliers.find((s) => s.id === id);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.gauge) clearInterval(this.gauge);
    await Promise.all([this.forwarder?.stop(), this.watcher?.stop()]);
  }
}
