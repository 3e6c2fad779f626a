import 'reflect-metadata';
import { HttpStatus, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventStore, InMemoryEventStore } from '@libs/event-store';
import type { ReceiveStock, RegisterSku } from '@libs/inventory';
import { ChannelEventProcessor, createInventoryBatchHandler } from '@libs/inventory-application';
import {
  ChannelEventsTopic,
  CommandRepliesTopic,
  InMemoryMessageBus,
  MessageBus,
  silentLogger,
} from '@libs/messaging';
import { PG_POOL, startBusConsumers } from '@libs/runtime';
import { ApiConfig } from '../api.config';
import { ApiError } from './api-error';
import { IdempotencyKeys } from './idempotency-keys';
import { type CommandToSend, InventoryCommands } from './inventory-commands.service';
import { InventoryLaneRepliesController, inventoryLaneProvider } from './inventory-lane';

const TIMEOUT_MS = 400;

interface Rig {
  commands: InventoryCommands;
  bus: InMemoryMessageBus;
}

const apps: INestApplication[] = [];
let subscribe: jest.SpyInstance<ReturnType<MessageBus['subscribe']>, Parameters<MessageBus['subscribe']>>;
const buses: InMemoryMessageBus[] = [];

afterEach(async () => {
  jest.restoreAllMocks();
  for (const app of apps.splice(0)) await app.close();
  for (const bus of buses.splice(0)) await bus.stop();
});

/**
 * InventoryCommands as the API wires it, on an in-memory bus and event store; `owner` runs the SKU lane's real
 * processor on that bus (without it, nobody decides or answers).
 */
async function rig({ owner = true }: { owner?: boolean } = {}): Promise<Rig> {
  const bus = new InMemoryMessageBus({ source: 'api-lane-test', logger: silentLogger });
  buses.push(bus);
  const store = new InMemoryEventStore();
  const config = Object.assign(new ApiConfig(), { laneTimeoutMs: TIMEOUT_MS });

  @Module({
    controllers: [InventoryLaneRepliesController],
    providers: [
      inventoryLaneProvider,
      InventoryCommands,
      { provide: EventStore, useValue: store },
      { provide: MessageBus, useValue: bus },
      { provide: ApiConfig, useValue: config },
      { provide: PG_POOL, useValue: {} },
      { provide: IdempotencyKeys, useValue: {} },
    ],
  })
  class TestModule {}
  const app = await NestFactory.create(TestModule, { logger: false, abortOnError: false });
  apps.push(app);
  subscribe = jest.spyOn(bus, 'subscribe');
  await startBusConsumers(app);
  await app.init();
  if (owner) {
    const processor = new ChannelEventProcessor(createInventoryBatchHandler(store), bus);
    await bus.subscribe(ChannelEventsTopic, 'inventory-service', processor.handle);
  }
  await bus.start();
  return { commands: app.get(InventoryCommands), bus };
}

function register(sku: string, commandId = `register-${sku}`): CommandToSend<RegisterSku> {
  return { type: 'RegisterSku', sku, data: { kind: 'quantity' }, commandId };
}

/** Drops every reply the owner publishes: the commands are decided, the API hears nothing. */
function loseReplies(bus: InMemoryMessageBus): void {
  const publish = bus.publish.bind(bus);
  jest
    .spyOn(bus, 'publish')
    .mockImplementation((topic, messages, options) =>
      topic === CommandRepliesTopic ? Promise.resolve([]) : publish(topic, messages, options),
    );
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

describe('InventoryCommands over the SKU lane', () => {
  it('consumes its replies in a group of its own, from the end of the topic, reading only its own key', async () => {
    const { commands } = await rig({ owner: false });
    const replies = subscribe.mock.calls.filter(([topic]) => topic === CommandRepliesTopic);
    expect(replies).toHaveLength(1);
    const [, group, , options] = replies[0];
    expect(group).toBe(`api-replies-${commands.instanceId}`);
    expect(options?.fromBeginning).toBe(false);
    expect(options?.acceptKey?.(commands.instanceId)).toBe(true);
    expect(options?.acceptKey?.('api-another-instance')).toBe(false);
  });

  it('sends a command to the owner and returns the events it decided', async () => {
    const { commands } = await rig();
    const outcome = await commands.send<RegisterSku>('RegisterSku', 'sku-1', { kind: 'quantity' }, 'tester');
    expect(outcome).toMatchObject({ sku: 'sku-1', changed: true, duplicate: false, version: 1 });
    expect(outcome.events.map((e) => e.type)).toEqual(['SkuRegistered']);
  });

  it('answers the same command id twice with the first outcome, as a duplicate', async () => {
    const { commands } = await rig();
    const first = await commands.send<RegisterSku>(
      'RegisterSku',
      'sku-2',
      { kind: 'quantity' },
      'tester',
      'cmd-2',
    );
    const again = await commands.send<RegisterSku>(
      'RegisterSku',
      'sku-2',
      { kind: 'quantity' },
      'tester',
      'cmd-2',
    );
    expect(again).toMatchObject({ changed: false, duplicate: true, version: first.version });
    expect(again.events).toEqual(first.events);
  });

  it('turns a rejection into its ApiError', async () => {
    const { commands } = await rig();
    const error = await failure(
      commands.send<ReceiveStock>('ReceiveStock', 'sku-unknown', { batchId: 'b-1', quantity: 3 }, 'tester'),
    );
    expect(error.status).toBe(HttpStatus.NOT_FOUND);
    expect(error.code).toBe('INVENTORY.UNKNOWN_SKU');
  });

  it('sends a batch, each command to its owner, and answers each one', async () => {
    const { commands } = await rig();
    const batch = ['b-1', 'b-2', 'b-3', 'b-4'].map((sku) => register(sku));
    const outcomes = await commands.sendMany(batch, 'importer', { batchId: 'import-1' });
    expect(outcomes.map((o) => [o.sku, o.status, o.events.map((e) => e.type)])).toEqual(
      batch.map((c) => [c.sku, 'applied', ['SkuRegistered']]),
    );
    const again = await commands.sendMany(batch, 'importer', { batchId: 'import-1' });
    expect(again.map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(again.map((o) => o.events)).toEqual(outcomes.map((o) => o.events));
  });

  it('answers 504 INVENTORY.LANE_TIMEOUT with the command id when no answer comes for API_LANE_TIMEOUT_MS', async () => {
    const { commands } = await rig({ owner: false });
    const started = Date.now();
    const error = await failure(
      commands.send<RegisterSku>('RegisterSku', 'sku-3', { kind: 'quantity' }, 'tester', 'cmd-3'),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(error.status).toBe(HttpStatus.GATEWAY_TIMEOUT);
    expect(error.code).toBe('INVENTORY.LANE_TIMEOUT');
    expect(error.details).toEqual({ commandId: 'cmd-3' });
    expect(error.message).toContain(`within ${TIMEOUT_MS} ms`);
  });

  it('recovers an answer that never came from the event store, by the ids the command id gives its events', async () => {
    const { commands, bus } = await rig();
    loseReplies(bus);
    const outcome = await commands.send<RegisterSku>(
      'RegisterSku',
      'sku-4',
      { kind: 'quantity' },
      'tester',
      'cmd-4',
    );
    // Decided, unheard, then found where the owner wrote it: the outcome of a command decided before.
    expect(outcome).toMatchObject({ sku: 'sku-4', changed: false, duplicate: true, version: 1 });
    expect(outcome.events.map((e) => e.type)).toEqual(['SkuRegistered']);
    expect((await commands.loadState('sku-4')).version).toBe(1);
  });

  it('in a batch, recovers the decided commands and answers 504 for the first one that left no trace', async () => {
    const { commands, bus } = await rig();
    loseReplies(bus);
    await commands
      .sendMany([register('c-1')], 'importer')
      .then((outcomes) => expect(outcomes.map((o) => o.status)).toEqual(['duplicate']));
    // Now one command of the batch never reaches the owner either: nothing of it is stored.
    jest.restoreAllMocks();
    const publish = bus.publish.bind(bus);
    jest
      .spyOn(bus, 'publish')
      .mockImplementation((topic, messages, options) =>
        topic === CommandRepliesTopic
          ? Promise.resolve([])
          : publish(
              topic,
              messages.filter(
                (m) => (m.payload as { sku?: string }).sku !== 'c-never-decided',
              ) as typeof messages,
              options,
            ),
      );
    const error = await failure(
      commands.sendMany([register('c-2'), register('c-never-decided', 'cmd-never')], 'importer'),
    );
    expect(error.code).toBe('INVENTORY.LANE_TIMEOUT');
    expect(error.details).toEqual({ commandId: 'cmd-never' });
  });
});
