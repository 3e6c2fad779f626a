import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { deterministicEventId, storedOutcome } from '@libs/command-handling';
import { EventStore } from '@libs/event-store';
import type { InventoryEvent } from '@libs/inventory';
import { skuStreamId } from '@libs/inventory-application';
import { ChannelEventsTopic, MessageBus, type OutgoingMessage } from '@libs/messaging';
import { startApp } from '@libs/runtime';
import { createTestDatabase, serverUrl, uniqueTopicPrefix, type TestDatabase } from '@libs/testing';
import { InventoryServiceModule } from '../../inventory-service/src/inventory-service.module';
import { ApiModule } from '../src/api.module';

export interface ApiTestApp {
  app: INestApplication;
  url: string;
  db: TestDatabase;
  adminKey: string;
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  /**
   * A channel order as a connector reports it (order.placed on the SKU lane), decided by the owner; resolves with
   * the events it decided, read from the event store.
   */
  placeOrder(order: {
    sku: string;
    channelOrderId: string;
    quantity: number;
    eventId?: string;
  }): Promise<{ events: InventoryEvent[] }>;
  /**
   * Any channel report on the SKU lane (order.paid, card-keys.delivered, ...) as a connector sends it; resolves with
   * the events it decided, read from the event store.
   */
  report(message: Omit<ChannelReport, 'eventId'>, eventId?: string): Promise<{ events: InventoryEvent[] }>;
  /** Creates a key of the role through the API and returns it. */
  keyFor(role: string, name?: string): Promise<string>;
  close(): Promise<void>;
}

type ChannelReport = Exclude<OutgoingMessage<typeof ChannelEventsTopic>, { type: 'inventory.command' }>;

export interface CallOptions {
  key?: string | null;
  json?: unknown;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * Boots the API the way production does (startApp) on a fresh database, with a bootstrap admin key, and the
 * inventory service that owns the SKU lane the API's writes go through (same process, real Kafka, topics of its own).
 */
export async function startApiTestApp(label: string, env: Record<string, string> = {}): Promise<ApiTestApp> {
  const server = serverUrl();
  const db = await createTestDatabase(label);
  const outerPrefix = process.env.KAFKA_TOPIC_PREFIX;
  const adminKey = randomBytes(32).toString('base64url');
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    API_BOOTSTRAP_ADMIN_KEY: adminKey,
    API_RATE_LIMIT_PER_SECOND: '10000',
    API_RATE_LIMIT_BURST: '10000',
    CARD_VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    CARD_VAULT_ACTIVE_KEY_ID: 'k1',
    CARD_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64'),
    KAFKA_TOPIC_PREFIX: uniqueTopicPrefix(label),
    KAFKA_CONSUMER_MAX_WAIT_MS: '50',
    // A test run shares two cores with PostgreSQL, the broker and other test files: a 100,000-key import can keep
    // the owner busy past the production default without being stuck.
    API_LANE_TIMEOUT_MS: '120000',
    ...env,
  });
  let started;
  let owner;
  try {
    // The owner first: the API's first write must find the lane consumed.
    owner = await startApp(InventoryServiceModule);
    started = await startApp(ApiModule);
  } finally {
    // The configuration is read at start; the server URL is what the next test database is created on.
    process.env.DATABASE_URL = server;
    if (outerPrefix === undefined) delete process.env.KAFKA_TOPIC_PREFIX;
    else process.env.KAFKA_TOPIC_PREFIX = outerPrefix;
  }
  const { app, url } = started;

  const call = async (method: string, path: string, options: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? adminKey : options.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | Buffer | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    if (options.contentType) headers['content-type'] = options.contentType;
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  const report: ApiTestApp['report'] = async (message, eventId = randomUUID()) => {
    await app
      .get(MessageBus)
      .publish(ChannelEventsTopic, [{ ...message, eventId } as OutgoingMessage<typeof ChannelEventsTopic>]);
    const store = app.get(EventStore);
    const streamId = skuStreamId(message.payload.sku);
    const idOf = (k: number) => deterministicEventId(streamId, eventId, k);
    for (const until = Date.now() + 15_000; Date.now() < until;) {
      const [first] = await store.readEventsByIds([idOf(0)]);
      if (first) {
        const events = await storedOutcome(store, streamId, first, idOf);
        return { events: events.map((e) => ({ type: e.type, data: e.data }) as InventoryEvent) };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${message.type} for ${message.payload.sku} was not decided within 15 s`);
  };

  const placeOrder: ApiTestApp['placeOrder'] = ({ sku, channelOrderId, quantity, eventId }) =>
    report(
      {
        type: 'order.placed',
        payload: {
          channel: 'shop',
          channelOrderId,
          sku,
          lines: [{ quantity }],
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        },
      },
      eventId,
    );

  return {
    app,
    url,
    db,
    adminKey,
    call,
    placeOrder,
    report,
    async keyFor(role, name = `${role}-${randomBytes(3).toString('hex')}`) {
      const created = await call('POST', '/v1/api-keys', { json: { name, role } });
      if (created.status !== 201)
        throw new Error(`could not create a ${role} key: ${JSON.stringify(created.body)}`);
      return created.body.key as string;
    },
    async close() {
      await app.close();
      await owner.app.close();
      await db.drop();
    },
  };
}
