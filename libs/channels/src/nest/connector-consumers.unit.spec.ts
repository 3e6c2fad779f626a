import 'reflect-metadata';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AfterSalesTopic,
  ChannelTargetsTopic,
  InMemoryMessageBus,
  type MessageBatch,
  MessageBus,
  OrderOutcomesTopic,
  silentLogger,
} from '@libs/messaging';
import { LOGGER } from '@libs/observability';
import { sleep } from '@libs/resilience';
import type { AfterSalesAnswerCall } from '../outbound/platform-adapter';
import { startBusConsumers } from '@libs/runtime';
import { ConnectorConfig } from './connector.config';
import { connectorConsumers } from './connector-consumers';
import { ConnectorRuntime } from './connector-runtime';
import type { ConnectorSpec } from './connector-spec';

const spec = { channel: 'shop' } as ConnectorSpec;
const VAULT = { vaultKeys: 'k1:AAAA', vaultActiveKeyId: 'k1', vaultFingerprintKey: 'AAAA' };

interface Seen {
  offered: string[];
  outcomes: MessageBatch<typeof OrderOutcomesTopic>[];
  answers: AfterSalesAnswerCall[];
}

const apps: INestApplication[] = [];
const buses: InMemoryMessageBus[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const bus of buses.splice(0)) await bus.stop();
});

/** The connector's consumers on an in-memory bus, over a runtime whose pusher and deliverer only record. */
async function boot(
  config: Partial<ConnectorConfig>,
  withDeliverer: boolean,
  own: { channel: string } = { channel: spec.channel },
) {
  const bus = new InMemoryMessageBus({ source: 'connector-consumers-test', logger: silentLogger });
  buses.push(bus);
  const seen: Seen = { offered: [], outcomes: [], answers: [] };
  const runtime = {
    pusher: {
      channel: own.channel,
      offer: async (targets: { sku: string }[]) => void seen.offered.push(...targets.map((t) => t.sku)),
    },
    deliverer: withDeliverer
      ? {
          onOutcomes: async (batch: MessageBatch<typeof OrderOutcomesTopic>) =>
            void seen.outcomes.push(batch),
        }
      : undefined,
    adapter: {
      channel: own.channel,
      answerAfterSales: async (call: AfterSalesAnswerCall) => void seen.answers.push(call),
    },
  };

  @Module({
    controllers: connectorConsumers(spec),
    providers: [
      { provide: MessageBus, useValue: bus },
      { provide: ConnectorRuntime, useValue: runtime },
      { provide: ConnectorConfig, useValue: Object.assign(new ConnectorConfig(), config) },
      { provide: LOGGER, useValue: { info: () => undefined, warn: () => undefined, error: () => undefined } },
    ],
  })
  class TestModule {}
  const subscribe = jest.spyOn(bus, 'subscribe');
  const app = await NestFactory.create(TestModule, { logger: false, abortOnError: false });
  apps.push(app);
  await startBusConsumers(app);
  await app.init();
  await bus.start();
  const calls = subscribe.mock.calls;
  return {
    bus,
    seen,
    groups: calls.map(([topic, group]) => `${topic.name} ${group}`),
    targetsOptions: calls.find(([topic]) => topic === ChannelTargetsTopic)?.[3],
  };
}

function target(channel: string, sku: string) {
  return {
    type: 'channel-target.set' as const,
    payload: { channel, sku, quantity: 3, skuVersion: 1 },
  };
}

describe('connectorConsumers', () => {
  it('with the vault: the push path in the connector group, and fulfilment in <group>-fulfilment', async () => {
    const { groups } = await boot({ ...VAULT }, true);
    expect(groups.sort()).toEqual(
      [
        `${ChannelTargetsTopic.name} connector-shop`,
        `${OrderOutcomesTopic.name} connector-shop-fulfilment`,
        `${AfterSalesTopic.name} connector-shop-after-sales`,
      ].sort(),
    );
  });

  it('without the vault: no fulfilment consumer at all, only the push path', async () => {
    const { groups } = await boot({}, false);
    expect(groups.sort()).toEqual(
      [
        `${ChannelTargetsTopic.name} connector-shop`,
        `${AfterSalesTopic.name} connector-shop-after-sales`,
      ].sort(),
    );
  });

  it('takes CONNECTOR_CONSUMER_GROUP for both groups', async () => {
    const { groups } = await boot({ ...VAULT, consumerGroup: 'shop-blue' }, true);
    expect(groups.sort()).toEqual(
      [
        `${ChannelTargetsTopic.name} shop-blue`,
        `${OrderOutcomesTopic.name} shop-blue-fulfilment`,
        `${AfterSalesTopic.name} shop-blue-after-sales`,
      ].sort(),
    );
  });

  it('hands the pusher its own channel’s targets only', async () => {
    const { bus, seen, targetsOptions } = await boot({}, false);
    // The other channels' records are skipped by key, before they are decoded.
    expect(targetsOptions?.acceptKey?.('shop:sku-1')).toBe(true);
    expect(targetsOptions?.acceptKey?.('shopx:sku-1')).toBe(false);
    expect(targetsOptions?.acceptKey?.('taobao:sku-1')).toBe(false);
    await bus.publish(ChannelTargetsTopic, [
      target('taobao', 'sku-theirs'),
      target('shop', 'sku-ours'),
      target('pinduoduo', 'sku-theirs-too'),
    ]);
    for (let i = 0; i < 100 && seen.offered.length === 0; i++) await sleep(10);
    await sleep(50);
    expect(seen.offered).toEqual(['sku-ours']);
  });

  it('on a 分站 named by CONNECTOR_CHANNEL: that channel’s keys and groups, and no other channel’s targets', async () => {
    const { bus, seen, groups, targetsOptions } = await boot({ ...VAULT, channel: 'substation-7' }, true, {
      channel: 'substation-7',
    });
    expect(groups.sort()).toEqual(
      [
        `${ChannelTargetsTopic.name} connector-substation-7`,
        `${OrderOutcomesTopic.name} connector-substation-7-fulfilment`,
        `${AfterSalesTopic.name} connector-substation-7-after-sales`,
      ].sort(),
    );
    expect(targetsOptions?.acceptKey?.('substation-7:sku-1')).toBe(true);
    expect(targetsOptions?.acceptKey?.('substation-8:sku-1')).toBe(false);
    expect(targetsOptions?.acceptKey?.('shop:sku-1')).toBe(false);
    await bus.publish(ChannelTargetsTopic, [
      target('shop', 'sku-main-station'),
      target('substation-8', 'sku-other-substation'),
      target('substation-7', 'sku-ours'),
    ]);
    for (let i = 0; i < 100 && seen.offered.length === 0; i++) await sleep(10);
    await sleep(50);
    expect(seen.offered).toEqual(['sku-ours']);
  });

  it('hands the deliverer the order outcomes', async () => {
    const { bus, seen } = await boot({ ...VAULT }, true);
    await bus.publish(OrderOutcomesTopic, [
      {
        type: 'order.rejected',
        payload: {
          channel: 'shop',
          channelOrderId: 'o-1',
          sku: 'sku-1',
          answers: 'order.placed',
          reasonCode: 'INSUFFICIENT_STOCK',
          skuVersion: 1,
        },
      },
    ]);
    for (let i = 0; i < 100 && seen.outcomes.length === 0; i++) await sleep(10);
    expect(seen.outcomes.flatMap((b) => b.messages.map((m) => m.envelope.payload.channelOrderId))).toEqual([
      'o-1',
    ]);
  });

  it('hands the adapter the answers to its own channel’s after-sales cases only', async () => {
    const { bus, seen } = await boot({}, false);
    const answered = (channel: string, caseId: string) => ({
      type: 'after-sales.answered' as const,
      payload: {
        channel,
        channelOrderId: 'o-1',
        platformCaseId: caseId,
        ticketId: 't-1',
        answer: 'accepted' as const,
        note: 'refunded',
        actor: 'operator-olga',
      },
    });
    await bus.publish(AfterSalesTopic, [
      answered('taobao', 'theirs'),
      {
        type: 'after-sales.requested',
        payload: {
          channel: 'shop',
          channelOrderId: 'o-1',
          platformCaseId: 'c-0',
          reasonCode: 'X',
          summary: '',
        },
      },
      answered('shop', 'ours'),
    ]);
    for (let i = 0; i < 100 && seen.answers.length === 0; i++) await sleep(10);
    await sleep(50);
    expect(seen.answers).toEqual([
      { channelOrderId: 'o-1', platformCaseId: 'ours', answer: 'accepted', note: 'refunded' },
    ]);
  });
});
