import { randomBytes } from 'node:crypto';
import type { Type } from '@nestjs/common';
import { CardVault } from '@libs/card-vault';
import { signedHeaders } from '@libs/channels';
import { PostgresEventStore } from '@libs/event-store';
import { ChannelEventProcessor, createInventoryBatchHandler, skuStreamId } from '@libs/inventory-application';
import {
  ChannelEventsTopic,
  ChannelTargetsTopic,
  type EnvelopeOf,
  type KafkaMessageBus,
  OrderOutcomesTopic,
} from '@libs/messaging';
import type { SimulatedPlatform } from '@libs/platform-simulators';
import { startApp, type StartedApp } from '@libs/runtime';
import { createTestDatabase, type TestDatabase } from './test-database';
import { deleteTopicsWithPrefix, testKafkaBus, uniqueTopicPrefix } from './test-kafka';

export type ChannelEventEnvelope = EnvelopeOf<typeof ChannelEventsTopic>;
export type OrderOutcomeEnvelope = EnvelopeOf<typeof OrderOutcomesTopic>;

export interface ConnectorRigOptions {
  /** The connector app's root module, e.g. ConnectorTaobaoModule. */
  module: Type<unknown>;
  channel: string;
  /** The connector's webhook route, e.g. /webhooks/taobao. */
  webhookPath: string;
  /** The platform's simulator, not started yet; the rig starts and stops it. */
  platform: SimulatedPlatform;
  /** The connector's credentials for that simulator (CONNECTOR_APP_KEY, CONNECTOR_APP_SECRET). */
  appKey?: string;
  appSecret: string;
  /** Card-key SKUs: registered with the inventory and their keys sealed in the vault and imported, per SKU. */
  cardKeys: Record<string, { unitId: string; secret: string }[]>;
}

export interface RawAnswer {
  status: number;
  json: unknown;
}

/**
 * One connector app on the real PostgreSQL and broker, against its platform's simulator, with the inventory
 * service's processor on the same database (the card vault reveals a unit only for the order the event store's
 * ReservationConfirmed allocated it to, so the allocation has to come from the real decision). The test reads
 * stock.channel-events and stock.order-outcomes with consumers of its own, and publishes the projector's
 * targets on stock.channel-targets.
 */
export class ConnectorRig {
  readonly channelEvents: ChannelEventEnvelope[] = [];
  readonly outcomes: OrderOutcomeEnvelope[] = [];
  readonly webhookSecret = `whsec-${randomBytes(8).toString('hex')}`;
  connector!: StartedApp;
  db!: TestDatabase;
  private readonly prefix: string;
  private readonly savedEnv = { ...process.env };
  private inventoryBus?: KafkaMessageBus;
  private watchBus?: KafkaMessageBus;
  private projectorBus?: KafkaMessageBus;

  private constructor(private readonly options: ConnectorRigOptions) {
    this.prefix = uniqueTopicPrefix(options.channel);
  }

  static async start(options: ConnectorRigOptions): Promise<ConnectorRig> {
    const rig = new ConnectorRig(options);
    try {
      await rig.boot();
    } catch (err) {
      await rig.stop();
      throw err;
    }
    return rig;
  }

  get platform(): SimulatedPlatform {
    return this.options.platform;
  }

  private async boot(): Promise<void> {
    const { options } = this;
    this.db = await createTestDatabase(`connector_${options.channel}`);
    const keys = { k1: randomBytes(32) };
    const fingerprintKey = randomBytes(32);
    const vault = await CardVault.create(this.db.pool, { activeKeyId: 'k1', keys, fingerprintKey });
    const store = await PostgresEventStore.create(this.db.pool);
    const handler = createInventoryBatchHandler(store);
    const now = Date.now();
    for (const [sku, cards] of Object.entries(options.cardKeys)) {
      const { stored, rejected } = await vault.storeBatch(sku, cards);
      if (rejected.length > 0) throw new Error(`card keys not sealed: ${JSON.stringify(rejected)}`);
      const { items } = await handler.handleBatch([
        {
          streamId: skuStreamId(sku),
          commandId: `register-${sku}`,
          command: { type: 'RegisterSku', data: { sku, now, kind: 'cardKey' } },
        },
        {
          streamId: skuStreamId(sku),
          commandId: `import-${sku}`,
          command: {
            type: 'ImportCardKeys',
            data: {
              sku,
              now,
              batchId: `import-${sku}`,
              units: stored.map((u) => ({ unitId: u.unitId, fingerprint: u.fingerprint })),
            },
          },
        },
      ]);
      const failed = items.filter((i) => i.status === 'failed');
      if (failed.length > 0) throw new Error(`${sku} not set up: ${String(failed[0].error)}`);
    }

    this.inventoryBus = testKafkaBus('inventory-service', this.prefix);
    await this.inventoryBus.subscribe(
      ChannelEventsTopic,
      'inventory-service',
      new ChannelEventProcessor(handler, this.inventoryBus).handle,
    );
    this.watchBus = testKafkaBus('watch', this.prefix);
    await this.watchBus.subscribe(ChannelEventsTopic, 'watch-events', async (batch) => {
      this.channelEvents.push(...batch.messages.map((m) => m.envelope));
    });
    await this.watchBus.subscribe(OrderOutcomesTopic, 'watch-outcomes', async (batch) => {
      this.outcomes.push(...batch.messages.map((m) => m.envelope));
    });
    this.projectorBus = testKafkaBus('projector', this.prefix);
    await this.inventoryBus.start();
    await this.watchBus.start();
    await this.projectorBus.start();

    await options.platform.start();
    Object.assign(process.env, {
      DATABASE_URL: this.db.url,
      KAFKA_TOPIC_PREFIX: this.prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      CONNECTOR_PLATFORM_URL: options.platform.url,
      CONNECTOR_APP_SECRET: options.appSecret,
      CONNECTOR_WEBHOOK_SECRETS: this.webhookSecret,
      CARD_VAULT_KEYS: `k1:${keys.k1.toString('base64')}`,
      CARD_VAULT_ACTIVE_KEY_ID: 'k1',
      CARD_VAULT_FINGERPRINT_KEY: fingerprintKey.toString('base64'),
      // Marketplace connectors hand the buyer a signed link to their own delivery page (the shop ignores these).
      DELIVERY_LINK_SECRET: 'connector-rig-delivery-link-secret-0123456789',
      DELIVERY_PAGE_URL: 'http://127.0.0.1:1',
      // Short backoffs: a push or delivery that meets a transient error is retried within the test's wait.
      CONNECTOR_RETRY_MAX_MS: '1000',
      ...(options.appKey ? { CONNECTOR_APP_KEY: options.appKey } : {}),
    });
    this.connector = await startApp(options.module);
  }

  /** Stops what `start` started, in reverse order; safe after a failed start. */
  async stop(): Promise<void> {
    await this.connector?.app.close();
    process.env = this.savedEnv;
    await this.projectorBus?.stop();
    await this.watchBus?.stop();
    await this.inventoryBus?.stop();
    await this.options.platform.stop();
    await deleteTopicsWithPrefix(this.prefix);
    await this.db?.drop();
  }

  /**
   * Posts a notice body, given as its exact JSON text, to the connector's webhook route, signed with the
   * connector's webhook secret (or `signWith`). The text is sent as written: a 19-digit number stays digits.
   */
  async notify(text: string, options: { signWith?: string } = {}): Promise<RawAnswer> {
    const path = this.options.webhookPath;
    const headers = {
      'content-type': 'application/json',
      ...signedHeaders(options.signWith ?? this.webhookSecret, 'POST', path, text),
    };
    const response = await fetch(new URL(path, this.connector.url), { method: 'POST', headers, body: text });
    const raw = await response.text();
    let json: unknown = raw;
    try {
      json = JSON.parse(raw);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, json };
  }

  eventsOf(channelOrderId: string): ChannelEventEnvelope[] {
    return this.channelEvents.filter(
      (e) => 'channelOrderId' in e.payload && e.payload.channelOrderId === channelOrderId,
    );
  }

  /** The projector's part: the full-set quantity this channel should list for a SKU. */
  async publishTarget(sku: string, quantity: number, skuVersion: number): Promise<void> {
    await this.projectorBus!.publish(ChannelTargetsTopic, [
      { type: 'channel-target.set', payload: { channel: this.options.channel, sku, quantity, skuVersion } },
    ]);
  }

  /** The units the inventory service allocated to an order, as announced on stock.order-outcomes. */
  allocatedUnits(channelOrderId: string): string[] {
    return this.outcomes.flatMap((e) =>
      e.type === 'card-keys.allocated' && e.payload.channelOrderId === channelOrderId
        ? e.payload.unitIds
        : [],
    );
  }

  async pushState(
    sku: string,
  ): Promise<{ ackedVersion: number | null; ackedQuantity: number | null; errorCode: string | null }> {
    const { rows } = await this.db.pool.query<{
      last_acked_version: string | null;
      last_acked_quantity: string | number | null;
      last_error_code: string | null;
    }>(
      'SELECT last_acked_version, last_acked_quantity, last_error_code FROM channel_push_state WHERE channel = $1 AND sku = $2',
      [this.options.channel, sku],
    );
    const row = rows[0];
    return {
      ackedVersion: row?.last_acked_version == null ? null : Number(row.last_acked_version),
      ackedQuantity: row?.last_acked_quantity == null ? null : Number(row.last_acked_quantity),
      errorCode: row?.last_error_code ?? null,
    };
  }

  /** The connector's delivery ledger rows for one order. */
  async deliveries(channelOrderId: string): Promise<{ unitId: string; state: string; attempts: number }[]> {
    const { rows } = await this.db.pool.query<{ unit_id: string; state: string; attempts: number }>(
      'SELECT unit_id, state, attempts FROM card_key_deliveries WHERE channel = $1 AND order_id = $2 ORDER BY unit_id',
      [this.options.channel, channelOrderId],
    );
    return rows.map((r) => ({ unitId: r.unit_id, state: r.state, attempts: r.attempts }));
  }

  /** Notices the connector recorded for an order (its dedupe inbox). */
  async recordedNotices(channelOrderId: string): Promise<number> {
    const { rows } = await this.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM channel_notifications WHERE channel = $1 AND order_id = $2',
      [this.options.channel, channelOrderId],
    );
    return rows[0].n;
  }
}
