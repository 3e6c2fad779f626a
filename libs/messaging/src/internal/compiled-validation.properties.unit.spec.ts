import fc from 'fast-check';
import { ALL_TOPICS } from '../catalogue/topics';
import type { PayloadClass } from '../catalogue/define-topic';
import { EnvelopeFields } from '../envelope';
import { compileValidator } from './compiled-validation';
import { referenceValidate as validateAs } from '../testing/reference-validation';

/** One valid payload per message type of the catalogue: the mutations below start from these. */
const VALID: Record<string, object> = {
  'order.placed': {
    channel: 'taobao',
    channelOrderId: 'T1',
    sku: 'S1',
    lines: [{ quantity: 2 }, { quantity: 1, poolId: 'vip' }],
    expiresAt: '2026-06-01T12:00:00.000Z',
  },
  'order.paid': { channel: 'shop', channelOrderId: 'O-1', sku: 'S1' },
  'order.cancelled': { channel: 'pinduoduo', channelOrderId: '9', sku: 'S1', note: 'buyer asked' },
  'stock.restocked': {
    sku: 'K1',
    batchId: 'b1',
    units: [
      { unitId: 'u1', fingerprint: 'f1' },
      { unitId: 'u2', fingerprint: 'f2', loop: true },
    ],
  },
  'stock.adjusted': { sku: 'S1', adjustmentId: 'a1', delta: -3, reason: 'count-correction', note: 'shelf' },
  'order.accepted': {
    channel: 'taobao',
    channelOrderId: 'T1',
    sku: 'S1',
    answers: 'order.placed',
    skuVersion: 4,
  },
  'order.rejected': {
    channel: 'taobao',
    channelOrderId: 'T1',
    sku: 'S1',
    answers: 'order.paid',
    reasonCode: 'INSUFFICIENT_STOCK',
    skuVersion: 4,
  },
  'card-keys.allocated': {
    channel: 'shop',
    channelOrderId: 'O-1',
    sku: 'K1',
    unitIds: ['u1'],
    loopUnits: [{ unitId: 'u9', count: 3 }],
    part: 1,
    parts: 2,
    skuVersion: 7,
  },
  'card-keys.redeliver': {
    channel: 'shop',
    channelOrderId: 'O-1',
    sku: 'K1',
    unitIds: [],
    loopUnits: [{ unitId: 'u9', count: 3 }],
    redelivery: 2,
    skuVersion: 8,
  },
  'card-keys.withdrawn': {
    channel: 'shop',
    channelOrderId: 'O-1',
    sku: 'K1',
    unitIds: ['u1', 'u2'],
    reason: 'refunded',
    skuVersion: 9,
  },
  'card-keys.delivered': { channel: 'shop', channelOrderId: 'O-1', sku: 'K1', unitIds: ['u1'] },
  'channel-target.set': { channel: 'shop', sku: 'S1', quantity: 12, skuVersion: 9 },
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
  'inventory.command': {
    sku: 'S1',
    commandId: 'card-key-import:b1',
    commandType: 'ReceiveStock',
    data: { batchId: 'po-1', quantity: 5 },
    actor: 'stock-sam',
    metadata: { catalogueImport: 'sub-1' },
    replyTo: 'api-1',
  },
  'inventory.command-answered': {
    replyTo: 'api-1',
    commandId: 'card-key-import:b1',
    sku: 'S1',
    status: 'failed',
    version: 3,
    eventCount: 0,
    errorCode: 'INVENTORY.COMMAND_BODY_MISSING',
    errorMessage: 'command body b-1 was not found',
  },
  'message.dead-lettered': {
    reasonCode: 'MESSAGING.VALIDATION_FAILED',
    reason: 'lines: must be an array',
    consumerGroup: 'inventory-service',
    attempts: 1,
    sourceTopic: 'stock.channel-events',
    sourcePartition: 0,
    sourceOffset: '42',
    key: 'S1',
    valueBase64: null,
    headers: { 'content-type': 'application/json' },
  },
  'after-sales.requested': {
    channel: 'shop',
    channelOrderId: 'O-1',
    platformCaseId: 'CASE-1',
    sku: 'K1',
    reasonCode: 'INVALID_KEY',
    summary: 'the key was already used',
  },
  'after-sales.answered': {
    channel: 'shop',
    channelOrderId: 'O-1',
    platformCaseId: 'CASE-1',
    ticketId: 't-1',
    answer: 'accepted',
    note: 'replaced',
    actor: 'operator-olga',
  },
  'alert.raised': {
    kind: 'DEAD_LETTER',
    key: 'stock.channel-events:1:77',
    severity: 'warning',
    summary: 'Consumer group inventory-service set aside a record.',
    labels: { consumer_group: 'inventory-service' },
    at: '2026-03-01T00:00:00.000Z',
  },
  'alert.resolved': {
    kind: 'SKU_QUARANTINED',
    key: 'SKU-Q',
    severity: 'critical',
    summary: 'SKU SKU-Q is projected again.',
    labels: {},
    at: '2026-03-01T01:00:00.000Z',
  },
};

const ENVELOPE = {
  eventId: 'e1',
  type: 'order.paid',
  schemaVersion: 1,
  source: 'connector-shop',
  occurredAt: '2026-06-01T12:00:00.000Z',
  correlationId: 'e1',
  payload: {},
};

const schemas: [string, PayloadClass][] = ALL_TOPICS.flatMap((topic) =>
  Object.entries(topic.messages).map(([type, schema]): [string, PayloadClass] => [
    type,
    (schema as { payload: PayloadClass }).payload,
  ]),
);

/** Values that sit on the edges of the catalogue's rules. */
const edgy = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    '',
    ' S1',
    'ＳＫＵ１',
    'S\u200b1',
    'S\u00001',
    'taobao',
    'TAOBAO',
    'order.placed',
    'count-correction',
    'INSUFFICIENT_STOCK',
    '2026-06-01T12:00:00Z',
    '2026-06-01',
    'x'.repeat(129),
    'x'.repeat(501),
    0,
    -1,
    1,
    1.5,
    2 ** 31,
    1e6,
    1e6 + 1,
    1e12,
    1e12 + 1,
    Number.MAX_SAFE_INTEGER + 2,
    true,
    false,
    [],
    {},
    [{}],
    [{ quantity: 1 }],
    [null],
    [{ unitId: 'u', fingerprint: 'f', extra: 1 }],
    [1, 2],
    ['u1', 'u1'],
    { quantity: 1 },
  ),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.record({ quantity: fc.integer({ min: -2, max: 3 }) }), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);

type Mutation = { action: 'set' | 'delete' | 'add'; value: unknown; extraKey: string };

/** Every path to an object in a JSON value (the root is []), and every path to a property. */
function paths(value: unknown, at: string[] = []): { objects: string[][]; properties: string[][] } {
  const out = { objects: [] as string[][], properties: [] as string[][] };
  if (typeof value !== 'object' || value === null) return out;
  out.objects.push(at);
  for (const [k, v] of Object.entries(value)) {
    out.properties.push([...at, k]);
    const inner = paths(v, [...at, k]);
    out.objects.push(...inner.objects);
    out.properties.push(...inner.properties);
  }
  return out;
}

function applyMutation(root: unknown, mutation: Mutation, pick: number): void {
  // A copy: the value pool's constants are shared between runs and must never become part of a mutated payload.
  const m = { ...mutation, value: structuredClone(mutation.value) };
  const { objects, properties } = paths(root);
  if (m.action === 'add') {
    const target = objects[pick % objects.length];
    const parent = target.reduce((o: any, k) => o[k], root); // eslint-disable-line @typescript-eslint/no-explicit-any
    if (!Array.isArray(parent)) parent[m.extraKey] = m.value;
    return;
  }
  if (properties.length === 0) return;
  const target = properties[pick % properties.length];
  const parent = target.slice(0, -1).reduce((o: any, k) => o[k], root); // eslint-disable-line @typescript-eslint/no-explicit-any
  const key = target[target.length - 1];
  if (m.action === 'delete' && !Array.isArray(parent)) delete parent[key];
  else parent[key] = m.value;
}

const mutation = fc.record({
  action: fc.constantFrom<Mutation['action']>('set', 'set', 'delete', 'add'),
  value: edgy,
  extraKey: fc.constantFrom('extra', 'quantity', 'units', 'quantity|units', 'secret', '0'),
});
const mutations = fc.array(fc.tuple(mutation, fc.nat()), { maxLength: 3 });

/** Keys an object inherits (toString, constructor, ...): class-transformer drops them silently, see below. */
function hasInheritedKeyName(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => k in Object.prototype || hasInheritedKeyName(v));
}

function agree(cls: PayloadClass, plain: unknown, strict: boolean): void {
  const expected = validateAs(cls, structuredClone(plain), strict);
  const actual = compileValidator(cls, strict)(structuredClone(plain));
  expect({ ok: actual.ok, problems: actual.ok ? [] : actual.problems }).toEqual({
    ok: expected.ok,
    problems: expected.ok ? [] : expected.problems,
  });
  // The same data; key order may differ (a class instance lists its fields in declaration order).
  const json = (v: unknown) => JSON.parse(JSON.stringify(v));
  if (actual.ok && expected.ok) expect(json(actual.value)).toEqual(json(expected.value));
}

describe('compiled validators: the same answers as class-validator for every catalogue schema', () => {
  it('covers every message type of the catalogue', () => {
    expect(schemas.map(([type]) => type).sort()).toEqual(Object.keys(VALID).sort());
  });

  it.each(schemas)('given the valid %s, then both accept it', (type, cls) => {
    agree(cls, VALID[type], true);
    expect(compileValidator(cls)(structuredClone(VALID[type])).ok).toBe(true);
  });

  it.each(schemas)(
    'given %s with up to three mutations anywhere, then both give the same problems',
    (type, cls) => {
      fc.assert(
        fc.property(mutations, (ms) => {
          const plain = structuredClone(VALID[type]);
          for (const [m, pick] of ms) applyMutation(plain, m, pick);
          fc.pre(!hasInheritedKeyName(plain));
          agree(cls, plain, true);
        }),
        { numRuns: 400 },
      );
    },
  );

  it('given any JSON value as a payload, then both give the same answer', () => {
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.jsonValue({ maxDepth: 3 }), ([, cls], value) => {
        fc.pre(!hasInheritedKeyName(value));
        agree(cls, value, true);
      }),
      { numRuns: 400 },
    );
  });

  it('given a payload with a key named like an inherited member ("toString"), then the compiled validator refuses it where class-transformer dropped it silently', () => {
    const cls = schemas.find(([type]) => type === 'order.paid')![1];
    const plain = { ...VALID['order.paid'], toString: 'x' };
    expect(validateAs(cls, structuredClone(plain)).ok).toBe(true);
    expect(compileValidator(cls)(plain)).toEqual({
      ok: false,
      problems: ['toString: property toString should not exist'],
    });
  });

  it('given an envelope with an unknown field holding a key named like an inherited member, then the compiled validator keeps it as sent where class-transformer dropped the key', () => {
    const plain = { ...ENVELOPE, extra: { valueOf: null } };
    expect(validateAs(EnvelopeFields, structuredClone(plain), false)).toMatchObject({
      ok: true,
      value: { extra: {} },
    });
    expect(compileValidator(EnvelopeFields, false)(structuredClone(plain))).toMatchObject({
      ok: true,
      value: { extra: { valueOf: null } },
    });
  });

  it('given mutated envelopes (not strict: unknown fields are kept), then both give the same answer', () => {
    fc.assert(
      fc.property(mutations, (ms) => {
        const plain = structuredClone(ENVELOPE);
        for (const [m, pick] of ms) applyMutation(plain, m, pick);
        // The value pool holds JSON values, which may carry such keys; the two answers differ there by design
        // (the examples above and below).
        fc.pre(!hasInheritedKeyName(plain));
        agree(EnvelopeFields, plain, false);
      }),
      { numRuns: 400 },
    );
  });
});
