import { ALL_TOPICS, Topics } from './catalogue/topics';
import type { AnyTopic } from './catalogue/define-topic';
import { decodeRecord, encodeMessage, encodeMessages } from './codec';
import { MessagingErrorCodes } from './errors';

const envelope = (overrides: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      eventId: 'e-1',
      type: 'stock.restocked',
      schemaVersion: 1,
      source: 'connector-shop',
      occurredAt: '2026-03-01T10:00:00.000Z',
      correlationId: 'c-1',
      payload: { sku: 'S1', batchId: 'b1', quantity: 5, ...payload },
      ...overrides,
    }),
  );

describe('encodeMessage', () => {
  it('fills in the envelope and derives the key', () => {
    const encoded = encodeMessage(
      Topics.channelTargets,
      { type: 'channel-target.set', payload: { channel: 'taobao', sku: 'S1', quantity: 4, skuVersion: 12 } },
      'projector',
    );
    expect(encoded.key).toBe('taobao:S1');
    const value = JSON.parse(encoded.value.toString('utf8'));
    expect(value).toMatchObject({
      eventId: encoded.eventId,
      correlationId: encoded.eventId,
      type: 'channel-target.set',
      schemaVersion: 1,
      source: 'projector',
      payload: { channel: 'taobao', sku: 'S1', quantity: 4, skuVersion: 12 },
    });
    expect(Date.parse(value.occurredAt)).not.toBeNaN();
  });

  it('keeps a given eventId, correlationId and occurredAt', () => {
    const encoded = encodeMessage(
      Topics.orderOutcomes,
      {
        type: 'order.rejected',
        eventId: 'outcome-1',
        correlationId: 'order-evt-9',
        occurredAt: new Date('2026-02-03T04:05:06.000Z'),
        payload: {
          channel: 'taobao',
          channelOrderId: 'T-1',
          sku: 'S1',
          answers: 'order.placed',
          reasonCode: 'INSUFFICIENT_STOCK',
          skuVersion: 3,
        },
      },
      'inventory-service',
    );
    expect(JSON.parse(encoded.value.toString())).toMatchObject({
      eventId: 'outcome-1',
      correlationId: 'order-evt-9',
      occurredAt: '2026-02-03T04:05:06.000Z',
    });
  });

  it.each([
    [
      'a negative quantity',
      { type: 'channel-target.set', payload: { channel: 'taobao', sku: 'S1', quantity: -1, skuVersion: 1 } },
    ],
    [
      'a channel with a colon',
      { type: 'channel-target.set', payload: { channel: 'tao:bao', sku: 'S1', quantity: 1, skuVersion: 1 } },
    ],
    [
      'an unknown property',
      {
        type: 'channel-target.set',
        payload: { channel: 'shop', sku: 'S1', quantity: 1, skuVersion: 1, extra: 1 },
      },
    ],
    ['an unknown type', { type: 'channel-target.deleted', payload: { channel: 'shop', sku: 'S1' } }],
  ])('refuses %s with MESSAGING.INVALID_MESSAGE', (_label, message) => {
    expect(() => encodeMessage(Topics.channelTargets, message as never, 'projector')).toThrow(
      expect.objectContaining({ code: MessagingErrorCodes.INVALID_MESSAGE }),
    );
  });

  it('accepts an allocation by unit ids and checks each id', () => {
    const allocation = (unitIds: unknown) => () =>
      encodeMessage(
        Topics.orderOutcomes,
        {
          type: 'card-keys.allocated',
          payload: { channel: 'shop', channelOrderId: 'o-1', sku: 'S', unitIds, skuVersion: 4 } as never,
        },
        'inventory-service',
      );
    expect(allocation(['unit-1', 'unit-2'])()).toMatchObject({ key: 'shop:o-1' });
    expect(allocation([])).toThrow(/unitIds/);
    expect(allocation(['unit 1'])).toThrow(/whitespace/);
    expect(allocation([42])).toThrow(/string/);
  });

  it('refuses a secret next to the unit ids of an allocation', () => {
    expect(() =>
      encodeMessage(
        Topics.orderOutcomes,
        {
          type: 'card-keys.allocated',
          payload: {
            channel: 'shop',
            channelOrderId: 'o',
            sku: 'S',
            unitIds: ['u1'],
            skuVersion: 1,
            secrets: ['KEY-1'],
          } as never,
        },
        'inventory-service',
      ),
    ).toThrow(/secrets/);
  });

  it('needs exactly one of quantity and units on a restock', () => {
    const restock = (payload: object) => () =>
      encodeMessage(
        Topics.channelEvents,
        { type: 'stock.restocked', payload: payload as never },
        'connector-shop',
      );
    expect(restock({ sku: 'S', batchId: 'b', quantity: 2 })).not.toThrow();
    expect(restock({ sku: 'S', batchId: 'b', units: [{ unitId: 'u1', fingerprint: 'f1' }] })).not.toThrow();
    expect(restock({ sku: 'S', batchId: 'b' })).toThrow(/exactly one of quantity, units/);
    expect(
      restock({ sku: 'S', batchId: 'b', quantity: 1, units: [{ unitId: 'u1', fingerprint: 'f1' }] }),
    ).toThrow(/exactly one/);
    expect(restock({ sku: 'S', batchId: 'b', units: [{ unitId: 'u1' }] })).toThrow(/units\.0\.fingerprint/);
  });
});

describe('encodeMessage without validation', () => {
  const accepted = {
    type: 'order.accepted',
    eventId: 'e-1',
    correlationId: 'c-1',
    occurredAt: '2026-03-01T10:00:00.000Z',
    payload: { channel: 'taobao', channelOrderId: 'T1', sku: 'S1', answers: 'order.placed', skuVersion: 3 },
  } as const;

  it('writes exactly the bytes, key and id the validating encoder writes', () => {
    const checked = encodeMessage(Topics.orderOutcomes, accepted, 'inventory-service');
    const unchecked = encodeMessage(Topics.orderOutcomes, accepted, 'inventory-service', {
      skipValidation: true,
    });
    expect(unchecked).toEqual(checked);
  });

  it('still refuses a type the topic does not have', () => {
    const unknown = { ...accepted, type: 'order.shipped' } as never;
    expect(() => encodeMessage(Topics.orderOutcomes, unknown, 'x', { skipValidation: true })).toThrow(
      /no message type "order.shipped"/,
    );
  });

  it('leaves an invalid message to the consumer, whose decode refuses it', () => {
    const invalid = { ...accepted, payload: { ...accepted.payload, skuVersion: -1 } };
    expect(() => encodeMessage(Topics.orderOutcomes, invalid, 'x')).toThrow(/skuVersion/);
    const encoded = encodeMessage(Topics.orderOutcomes, invalid, 'x', { skipValidation: true });
    const decoded = decodeRecord(Topics.orderOutcomes, encoded.key, encoded.value);
    expect(decoded).toMatchObject({ ok: false, code: MessagingErrorCodes.VALIDATION_FAILED });
  });

  it('skips only the types a publish names', () => {
    const rejected = {
      ...accepted,
      type: 'order.rejected',
      payload: { ...accepted.payload, reasonCode: 'not a code' },
    } as const;
    const publish = () => encodeMessages(Topics.orderOutcomes, [accepted, rejected], 'x', ['order.accepted']);
    expect(publish).toThrow(/reasonCode/);
    expect(encodeMessages(Topics.orderOutcomes, [accepted, rejected], 'x', ['order.rejected'])).toHaveLength(
      2,
    );
  });
});

describe('decodeRecord', () => {
  it('returns a typed envelope carrying the checked payload', () => {
    const result = decodeRecord(
      Topics.channelEvents,
      'S1',
      envelope({}, { quantity: undefined, units: [{ unitId: 'u1', fingerprint: 'f1', loop: true }] }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok || result.envelope.type !== 'stock.restocked') throw new Error('expected a restock');
    expect(result.envelope.payload).toEqual({
      sku: 'S1',
      batchId: expect.any(String),
      units: [{ unitId: 'u1', fingerprint: 'f1', loop: true }],
    });
    expect(result.envelope).toMatchObject({ eventId: 'e-1', correlationId: 'c-1', source: 'connector-shop' });
  });

  it.each([
    ['an empty value', Buffer.alloc(0), MessagingErrorCodes.INVALID_JSON],
    ['text that is not JSON', Buffer.from('not json'), MessagingErrorCodes.INVALID_JSON],
    ['bytes that are not UTF-8', Buffer.from([0xc3, 0x28]), MessagingErrorCodes.INVALID_JSON],
    ['a JSON array', Buffer.from('[1,2]'), MessagingErrorCodes.INVALID_ENVELOPE],
    ['a missing eventId', envelope({ eventId: undefined }), MessagingErrorCodes.INVALID_ENVELOPE],
    ['a non-ISO occurredAt', envelope({ occurredAt: 'yesterday' }), MessagingErrorCodes.INVALID_ENVELOPE],
    ['a payload that is a string', envelope({ payload: 'x' }), MessagingErrorCodes.INVALID_ENVELOPE],
    ['an unknown type', envelope({ type: 'stock.vanished' }), MessagingErrorCodes.UNKNOWN_TYPE],
    ['a type of another topic', envelope({ type: 'channel-target.set' }), MessagingErrorCodes.UNKNOWN_TYPE],
    ['a prototype property as type', envelope({ type: 'toString' }), MessagingErrorCodes.UNKNOWN_TYPE],
    ['an unknown schema version', envelope({ schemaVersion: 2 }), MessagingErrorCodes.UNKNOWN_SCHEMA_VERSION],
    ['a quantity given as a string', envelope({}, { quantity: '5' }), MessagingErrorCodes.VALIDATION_FAILED],
    ['an extra payload property', envelope({}, { price: 10 }), MessagingErrorCodes.VALIDATION_FAILED],
  ])('dead-letters %s', (_label, value, code) => {
    const result = decodeRecord(Topics.channelEvents, 'S1', value);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
  });

  it('flags a record whose key is not the payload SKU', () => {
    expect(decodeRecord(Topics.channelEvents, 'S2', envelope())).toMatchObject({
      ok: false,
      code: MessagingErrorCodes.KEY_MISMATCH,
      eventId: 'e-1',
      type: 'stock.restocked',
    });
    expect(decodeRecord(Topics.channelEvents, null, envelope())).toMatchObject({
      ok: false,
      code: MessagingErrorCodes.KEY_MISMATCH,
    });
  });
});

describe('every message type in the catalogue', () => {
  const samples: Record<string, Record<string, object>> = {
    channelEvents: {
      'order.placed': {
        channel: 'pinduoduo',
        channelOrderId: 'P-1',
        sku: 'S1',
        lines: [{ quantity: 2 }, { quantity: 1, poolId: 'flash-1' }],
        expiresAt: '2026-06-01T12:15:00+08:00',
      },
      'order.paid': { channel: 'pinduoduo', channelOrderId: 'P-1', sku: 'S1' },
      'order.cancelled': {
        channel: 'substation-7',
        channelOrderId: 'P-1',
        sku: 'S1',
        note: 'buyer cancelled',
      },
      'stock.restocked': {
        sku: 'S1',
        batchId: 'import-9',
        units: [{ unitId: 'u-1', fingerprint: 'hmac-1', loop: false }],
      },
      'stock.adjusted': { sku: 'S1', adjustmentId: 'adj-1', delta: -2, reason: 'reconciliation' },
      'card-keys.delivered': { channel: 'shop', channelOrderId: 'O-1', sku: 'S1', unitIds: ['u-1'] },
      'inventory.command': {
        sku: 'S1',
        commandId: 'catalogue-import:sub-1:S1',
        commandType: 'ImportCardKeys',
        bodyRef: '7d0c1f6e-0b53-4f43-9a55-2f3d0c1b9e11',
        actor: 'stock-sam',
        replyTo: 'api-1',
      },
    },
    commandReplies: {
      'inventory.command-answered': {
        replyTo: 'api-1',
        commandId: 'catalogue-import:sub-1:S1',
        sku: 'S1',
        status: 'applied',
        version: 12,
        eventCount: 2,
      },
    },
    orderOutcomes: {
      'order.accepted': {
        channel: 'shop',
        channelOrderId: 'O-1',
        sku: 'S1',
        answers: 'order.paid',
        skuVersion: 8,
      },
      'order.rejected': {
        channel: 'shop',
        channelOrderId: 'O-1',
        sku: 'S1',
        answers: 'order.placed',
        reasonCode: 'OVER_ORDER_CAP',
        skuVersion: 8,
      },
      'card-keys.allocated': {
        channel: 'shop',
        channelOrderId: 'O-1',
        sku: 'S1',
        unitIds: ['u-1'],
        skuVersion: 9,
      },
      'card-keys.redeliver': {
        channel: 'shop',
        channelOrderId: 'O-1',
        sku: 'S1',
        unitIds: ['u-1'],
        redelivery: 1,
        skuVersion: 10,
      },
      'card-keys.withdrawn': {
        channel: 'shop',
        channelOrderId: 'O-1',
        sku: 'S1',
        unitIds: ['u-1'],
        reason: 'replaced',
        skuVersion: 11,
      },
    },
    channelTargets: {
      'channel-target.set': { channel: 'miniprogram', sku: 'S1', quantity: 0, skuVersion: 9 },
    },
    deadLetters: {
      'message.dead-lettered': {
        reasonCode: MessagingErrorCodes.INVALID_JSON,
        reason: 'not UTF-8 JSON',
        consumerGroup: 'inventory-service',
        attempts: 0,
        sourceTopic: 'stock.channel-events',
        sourcePartition: 3,
        sourceOffset: '42',
        sourceTimestamp: '1767225600000',
        key: 'S1',
        valueBase64: Buffer.from('{').toString('base64'),
        headers: { 'x-trace': 'abc' },
      },
    },
    afterSales: {
      'after-sales.requested': {
        channel: 'shop',
        channelOrderId: 'O-1',
        platformCaseId: 'CASE-1',
        reasonCode: 'REFUND_REQUESTED',
        summary: '',
      },
      'after-sales.answered': {
        channel: 'shop',
        channelOrderId: 'O-1',
        platformCaseId: 'CASE-1',
        ticketId: 't-1',
        answer: 'refused',
        note: 'already redeemed',
        actor: 'operator-olga',
      },
    },
    alerts: {
      'alert.raised': {
        kind: 'LOW_STOCK',
        key: 'SKU-1',
        severity: 'warning',
        summary: 'SKU-1 is at 2 on hand, at or below its threshold of 5.',
        labels: { sku: 'SKU-1', threshold: '5' },
        at: '2026-03-01T00:00:00.000Z',
      },
      'alert.resolved': {
        kind: 'STOCK_DRIFT',
        key: 'taobao',
        severity: 'info',
        summary: 'Reconciliation run 8 found no difference on taobao.',
        labels: {},
        at: '2026-03-02T02:00:00.000Z',
      },
    },
    supplierOrders: {
      'supplier.forward-requested': {
        channel: 'taobao',
        channelOrderId: 'O-1',
        sku: 'S1',
        attempt: 2,
        supplierId: 'up-a',
        productId: 'p-1',
        forwardId: 'taobao:O-1:2',
        quantity: 1,
        expectedUnitPrice: 850,
        skuVersion: 12,
      },
    },
  };

  it('has a sample here', () => {
    for (const topic of ALL_TOPICS)
      expect(Object.keys(samples[topic.id]).sort()).toEqual(Object.keys(topic.messages).sort());
  });

  it.each(
    ALL_TOPICS.flatMap((topic) =>
      Object.keys(topic.messages).map((type) => [topic.name, type, topic as AnyTopic] as const),
    ),
  )('%s %s survives encode and decode', (_name, type, topic) => {
    const payload = samples[topic.id][type];
    const encoded = encodeMessage(topic, { type, payload } as never, 'test');
    const decoded = decodeRecord(topic, encoded.key, encoded.value);
    expect(decoded).toMatchObject({ ok: true, envelope: { type, payload } });
    if (decoded.ok) expect(decoded.envelope.payload).toEqual(JSON.parse(JSON.stringify(payload)));
  });
});
