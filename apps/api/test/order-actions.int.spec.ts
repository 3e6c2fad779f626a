import { randomUUID } from 'node:crypto';
import { type EnvelopeOf, MessageBus, OrderOutcomesTopic } from '@libs/messaging';
import { migrateReadModels } from '@libs/read-models';
import { eventually } from '@libs/testing';
import { type ApiTestApp, startApiTestApp } from './api-test-app';

type Outcome = EnvelopeOf<typeof OrderOutcomesTopic>;

/**
 * The operator's actions on one order through the API, decided by the SKU's owner on the real lane (real Kafka and
 * PostgreSQL): redeliver (补发), void-and-replace (换卡) and refund (退款), each with its actor, its refusals with
 * the domain's codes, and the messages the order's connector acts on.
 */
describe('operator actions on an order', () => {
  let api: ApiTestApp;
  let admin: string;
  let operator: string;
  const outcomes: Outcome[] = [];
  const SKU = 'keys-desk';

  /** An order placed and paid on the shop: resolves with the keys the owner allocated to it. */
  const paidOrder = async (channelOrderId: string, quantity = 1) => {
    await api.placeOrder({ sku: SKU, channelOrderId, quantity });
    const { events } = await api.report({
      type: 'order.paid',
      payload: { channel: 'shop', channelOrderId, sku: SKU },
    });
    const confirmed = events.find((e) => e.type === 'ReservationConfirmed');
    if (confirmed?.type !== 'ReservationConfirmed') throw new Error(`order ${channelOrderId} not confirmed`);
    return confirmed.data.allocatedUnitIds;
  };
  const order = (id: string) => `/v1/orders/shop/${id}`;
  const outcome = <T extends Outcome['type']>(type: T, orderId: string) =>
    eventually(
      () =>
        outcomes.find((o) => o.type === type && o.payload.channelOrderId === orderId) as
          Extract<Outcome, { type: T }> | undefined,
      15_000,
      `${type} for ${orderId}`,
    );

  beforeAll(async () => {
    api = await startApiTestApp('api_order_actions');
    // The projector owns the read models; none runs here, so their tables are made for the SKU lookup.
    await migrateReadModels(api.db.pool);
    admin = await api.keyFor('inventory-admin', 'admin-ada');
    operator = await api.keyFor('order-operator', 'operator-otto');
    await api.app
      .get(MessageBus)
      .subscribe(OrderOutcomesTopic, `desk-test-${randomUUID()}`, async (batch) => {
        for (const { envelope } of batch.messages) outcomes.push(envelope);
      });
    expect(
      (await api.call('POST', '/v1/skus', { key: admin, json: { sku: SKU, kind: 'cardKey' } })).status,
    ).toBe(201);
    const keys = Array.from({ length: 8 }, (_, i) => `DESK-KEY-${i + 1}-${randomUUID()}`).join('\n');
    const imported = await api.call('POST', `/v1/skus/${SKU}/card-keys/import?batchId=desk-1`, {
      key: admin,
      body: keys,
      contentType: 'text/plain',
    });
    expect(imported.body).toMatchObject({ imported: 8 });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('sends the keys again once a minute at most, and tells the connector', async () => {
    const [unit] = await paidOrder('desk-1');
    const sent = await api.call('POST', `${order('desk-1')}/redeliver`, {
      key: operator,
      json: { sku: SKU, note: 'buyer lost the message' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      changed: true,
      events: [
        { type: 'DeliveryRepeated', data: { unitIds: [unit], redelivery: 1, actor: 'operator-otto' } },
      ],
    });
    expect((await outcome('card-keys.redeliver', 'desk-1')).payload).toMatchObject({
      unitIds: [unit],
      redelivery: 1,
      sku: SKU,
    });

    const tooSoon = await api.call('POST', `${order('desk-1')}/redeliver`, {
      key: operator,
      json: { sku: SKU },
    });
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.code).toBe('INVENTORY.REDELIVERY_TOO_SOON');
  });

  it('replaces a key the buyer reports invalid and announces the new one to the connector', async () => {
    const [unit] = await paidOrder('desk-2');
    const [other] = await paidOrder('desk-3');
    const notTheirs = await api.call('POST', `${order('desk-2')}/card-keys/${other}/replace`, {
      key: operator,
      json: { sku: SKU },
    });
    expect(notTheirs.status).toBe(409);
    expect(notTheirs.body.code).toBe('INVENTORY.UNIT_NOT_IN_ORDER');

    const replaced = await api.call('POST', `${order('desk-2')}/card-keys/${unit}/replace`, {
      key: operator,
      json: { sku: SKU, note: 'buyer says it is already used' },
    });
    expect(replaced.status).toBe(200);
    const [event] = replaced.body.events;
    expect(event).toMatchObject({ type: 'CardKeyReplaced', data: { unitId: unit, actor: 'operator-otto' } });
    const replacement = event.data.replacementUnitId as string;
    expect(replacement).not.toBe(unit);
    expect((await outcome('card-keys.withdrawn', 'desk-2')).payload).toMatchObject({
      unitIds: [unit],
      reason: 'replaced',
    });
    await eventually(
      () =>
        outcomes.some(
          (o) =>
            o.type === 'card-keys.allocated' &&
            o.payload.channelOrderId === 'desk-2' &&
            o.payload.unitIds.includes(replacement),
        ) || undefined,
      15_000,
      'the replacement announced',
    );
    const again = await api.call('POST', `${order('desk-2')}/card-keys/${unit}/replace`, {
      key: operator,
      json: { sku: SKU },
    });
    expect(again.body).toMatchObject({ changed: false });

    // The connector reports the replacement delivered: the order is delivered again. Every step names who acted,
    // the refused replacement of another order's key included.
    await api.report({
      type: 'card-keys.delivered',
      payload: { channel: 'shop', channelOrderId: 'desk-2', sku: SKU, unitIds: [replacement] },
    });
    const history = await api.call('GET', `${order('desk-2')}?sku=${SKU}`, { key: operator });
    expect(history.body.steps.map((s: { step: string; actor: string }) => [s.step, s.actor])).toEqual([
      ['placed-and-reserved', expect.any(String)],
      ['paid', expect.any(String)],
      ['refused', 'operator-otto'],
      ['key-replaced', 'operator-otto'],
      ['delivered', expect.any(String)],
    ]);
  });

  it('refunds a paid order for an inventory-admin only, puts its undelivered key back, and refuses the unpaid', async () => {
    const [unit] = await paidOrder('desk-4');
    const forbidden = await api.call('POST', `${order('desk-4')}/refund`, {
      key: operator,
      json: { sku: SKU },
    });
    expect(forbidden.status).toBe(403);
    const refunded = await api.call('POST', `${order('desk-4')}/refund`, {
      key: admin,
      json: { sku: SKU, note: 'out of time' },
    });
    expect(refunded.status).toBe(200);
    expect(refunded.body.events).toMatchObject([
      { type: 'OrderRefunded', data: { returnedUnitIds: [unit], actor: 'admin-ada', note: 'out of time' } },
    ]);
    expect((await outcome('card-keys.withdrawn', 'desk-4')).payload).toMatchObject({
      unitIds: [unit],
      reason: 'refunded',
    });
    expect(
      (await api.call('POST', `${order('desk-4')}/refund`, { key: admin, json: { sku: SKU } })).body,
    ).toMatchObject({
      changed: false,
    });
    const afterRefund = await api.call('POST', `${order('desk-4')}/redeliver`, {
      key: operator,
      json: { sku: SKU },
    });
    expect(afterRefund.body.code).toBe('INVENTORY.ORDER_REFUNDED');

    await api.placeOrder({ sku: SKU, channelOrderId: 'desk-5', quantity: 1 });
    const unpaid = await api.call('POST', `${order('desk-5')}/refund`, { key: admin, json: { sku: SKU } });
    expect(unpaid.status).toBe(409);
    expect(unpaid.body.code).toBe('INVENTORY.NOT_PAID');
    const unknown = await api.call('POST', `${order('no-such-order')}/refund`, { key: admin, json: {} });
    expect(unknown.status).toBe(404);
  });

  it('finds the SKU from the read model when the order names none', async () => {
    const [unit] = await paidOrder('desk-6');
    // The projector's row for the order (no projector runs in this test).
    await api.db.pool.query(
      `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, allocated_unit_ids, loop_unit_ids,
                                 created_at, updated_at, updated_version)
       VALUES ('shop', 'desk-6', $1, 1, 'confirmed', $2, '{}', now(), now(), 1)`,
      [SKU, [unit]],
    );
    const sent = await api.call('POST', `${order('desk-6')}/redeliver`, { key: operator, json: {} });
    expect(sent.status).toBe(200);
    expect(sent.body.sku).toBe(SKU);
    // Two SKUs of one order: the operator must name one.
    await api.db.pool.query(
      `INSERT INTO reservations (channel, channel_order_id, sku, quantity, status, allocated_unit_ids, loop_unit_ids,
                                 created_at, updated_at, updated_version)
       VALUES ('shop', 'desk-6', 'other-sku', 1, 'confirmed', '{}', '{}', now(), now(), 1)`,
    );
    const ambiguous = await api.call('POST', `${order('desk-6')}/refund`, { key: admin, json: {} });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.code).toBe('API.SKU_REQUIRED');
    // A key names its SKU by itself.
    const replaced = await api.call('POST', `${order('desk-6')}/card-keys/${unit}/replace`, {
      key: operator,
      json: {},
    });
    expect(replaced.status).toBe(200);
  });

  it('manual delivery: a paid order waits with its stock held until an operator gives it keys', async () => {
    const MANUAL = 'keys-by-hand';
    expect(
      (await api.call('POST', '/v1/skus', { key: admin, json: { sku: MANUAL, kind: 'cardKey' } })).status,
    ).toBe(201);
    const imported = await api.call('POST', `/v1/skus/${MANUAL}/card-keys/import?batchId=hand-1`, {
      key: admin,
      body: `HAND-1-${randomUUID()}`,
      contentType: 'text/plain',
    });
    expect(imported.body).toMatchObject({ imported: 1 });
    const forbidden = await api.call('PATCH', `/v1/skus/${MANUAL}/settings`, {
      key: operator,
      json: { deliveryMode: 'manual' },
    });
    expect(forbidden.status).toBe(403);
    const set = await api.call('PATCH', `/v1/skus/${MANUAL}/settings`, {
      key: admin,
      json: { deliveryMode: 'manual' },
    });
    expect(set.body.events).toMatchObject([{ type: 'SkuSettingsChanged', data: { deliveryMode: 'manual' } }]);

    const tooMany = await api.report({
      type: 'order.placed',
      payload: {
        channel: 'shop',
        channelOrderId: 'hand-1',
        sku: MANUAL,
        lines: [{ quantity: 2 }],
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    // Two ordered, one in stock: the placement is refused. One ordered: reserved, then paid and waiting.
    expect(tooMany.events).toMatchObject([{ data: { reason: 'INSUFFICIENT_STOCK' } }]);
    await api.placeOrder({ sku: MANUAL, channelOrderId: 'hand-2', quantity: 1 });
    const { events } = await api.report({
      type: 'order.paid',
      payload: { channel: 'shop', channelOrderId: 'hand-2', sku: MANUAL },
    });
    expect(events).toMatchObject([
      { type: 'ReservationConfirmed', data: { allocatedUnitIds: [], awaitingKeys: 1 } },
    ]);

    const body = { sku: MANUAL };
    const both = await api.call('POST', `${order('hand-2')}/card-keys`, {
      key: operator,
      json: { ...body, unitIds: ['u1'], secret: 'X' },
    });
    expect(both.status).toBe(400);
    const unknown = await api.call('POST', `${order('hand-2')}/card-keys`, {
      key: operator,
      json: { ...body, unitIds: ['no-such-unit'] },
    });
    expect(unknown.body.code).toBe('INVENTORY.UNIT_NOT_FOUND');

    // The operator types a key the buyer gets: sealed first, then given.
    const typed = await api.call('POST', `${order('hand-2')}/card-keys`, {
      key: operator,
      json: { ...body, secret: `TYPED-${randomUUID()}` },
    });
    expect(typed.status).toBe(200);
    const [given] = typed.body.events;
    expect(given).toMatchObject({ type: 'KeysAllocatedManually', data: { actor: 'operator-otto' } });
    const [unitId] = given.data.unitIds as string[];
    expect((await api.db.pool.query('SELECT 1 FROM card_keys WHERE unit_id = $1', [unitId])).rowCount).toBe(
      1,
    );
    expect(JSON.stringify(typed.body)).not.toContain('TYPED-');
    await eventually(
      () =>
        outcomes.some(
          (o) =>
            o.type === 'card-keys.allocated' &&
            o.payload.channelOrderId === 'hand-2' &&
            o.payload.unitIds.includes(unitId),
        ) || undefined,
      15_000,
      'the key announced to the connector',
    );
    const again = await api.call('POST', `${order('hand-2')}/card-keys`, { key: operator, json: body });
    expect(again.body.code).toBe('INVENTORY.NOT_AWAITING_KEYS');
    const history = await api.call('GET', `${order('hand-2')}?sku=${MANUAL}`, { key: operator });
    expect(history.body.steps.map((s: { step: string }) => s.step)).toEqual([
      'placed-and-reserved',
      'paid',
      'refused',
      'keys-allocated-by-hand',
      'refused',
    ]);
  });
});
