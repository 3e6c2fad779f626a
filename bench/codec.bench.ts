/**
 * Messages per second through the codec (encode on publish, decode on consume) for the messages of the hot path:
 * an order with two lines, its answer, and a card-key restock of 100 units.
 *
 * Measured in the same run:
 *  - compiled: the codec as it runs (validators compiled once per payload class, see compiled-validation.ts);
 *  - class-validator: the same checks through class-transformer + class-validator's executor on every message
 *    (how the codec validated before), the baseline;
 *  - ceiling: JSON.stringify + JSON.parse of the same envelopes with no validation at all.
 * CPU seconds of this process are reported beside wall time (steadier on a shared machine).
 *
 * Then encode alone for the answers the inventory service publishes on every order (built as the processor builds
 * them: given ids, a Date), validated (the baseline) and without validation (PublishOptions.encodeWithoutValidation),
 * in alternating rounds so that a change in the machine's load hits both alike; the median round is reported.
 *
 * Run: npm run bench -- bench/codec.bench.ts [messagesPerKind]
 */
import { decodeRecord, encodeMessage, Topics, type AnyTopic, type OutgoingMessage } from '@libs/messaging';
import { EnvelopeFields } from '../libs/messaging/src/envelope';
import { referenceValidate } from '../libs/messaging/src/testing/reference-validation';

const N = Number(process.argv[2] ?? 20_000);

const placed: OutgoingMessage<typeof Topics.channelEvents> = {
  type: 'order.placed',
  payload: {
    channel: 'taobao',
    channelOrderId: '4012345678901234',
    sku: 'SKU-HOT',
    lines: [{ quantity: 2 }, { quantity: 1, poolId: 'vip' }],
    expiresAt: '2026-12-01T12:00:00.000Z',
  },
};
const accepted: OutgoingMessage<typeof Topics.orderOutcomes> = {
  type: 'order.accepted',
  payload: {
    channel: 'taobao',
    channelOrderId: '4012345678901234',
    sku: 'SKU-HOT',
    answers: 'order.placed',
    skuVersion: 1234,
  },
};
const restocked: OutgoingMessage<typeof Topics.channelEvents> = {
  type: 'stock.restocked',
  payload: {
    sku: 'KEYS-1',
    batchId: 'batch-1',
    units: Array.from({ length: 100 }, (_, i) => ({
      unitId: `u-${i}`,
      fingerprint: `f${i.toString(16).padStart(8, '0')}`,
    })),
  },
};
const kinds: [string, AnyTopic, OutgoingMessage<AnyTopic>][] = [
  ['order.placed (2 lines)', Topics.channelEvents, placed as OutgoingMessage<AnyTopic>],
  ['order.accepted', Topics.orderOutcomes, accepted as OutgoingMessage<AnyTopic>],
  ['stock.restocked (100 keys)', Topics.channelEvents, restocked as OutgoingMessage<AnyTopic>],
];

function time(fn: () => void): { seconds: number; cpu: number } {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  fn();
  const used = process.cpuUsage(cpu);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: (used.user + used.system) / 1e6 };
}

/** The envelope the codec writes, for the two round trips that build it by hand. */
function envelopeOf(message: OutgoingMessage<AnyTopic>, payload: unknown) {
  return {
    eventId: 'e-1',
    type: message.type,
    schemaVersion: 1,
    source: 'bench',
    occurredAt: new Date().toISOString(),
    correlationId: 'e-1',
    payload,
  };
}

/** The codec's round trip with class-validator on every message, as it ran before compiled validators. */
function referenceRoundTrip(topic: AnyTopic, message: OutgoingMessage<AnyTopic>): void {
  const schema = topic.messages[message.type] as { payload: new () => object };
  const checked = referenceValidate(schema.payload, message.payload);
  if (!checked.ok) throw new Error(checked.problems.join('; '));
  const envelope = envelopeOf(message, checked.value);
  if (!referenceValidate(EnvelopeFields, { ...envelope, payload: {} }, false).ok) throw new Error('envelope');
  const value = Buffer.from(JSON.stringify(envelope), 'utf8');
  const parsed = JSON.parse(value.toString('utf8'));
  if (!referenceValidate(EnvelopeFields, { ...parsed, payload: {} }, false).ok) throw new Error('envelope');
  if (!referenceValidate(schema.payload, parsed.payload).ok) throw new Error('payload');
}

function compiledRoundTrip(topic: AnyTopic, message: OutgoingMessage<AnyTopic>): void {
  const encoded = encodeMessage(topic, message, 'bench');
  const decoded = decodeRecord(topic, encoded.key, encoded.value);
  if (!decoded.ok) throw new Error(decoded.reason);
}

function ceilingRoundTrip(_topic: AnyTopic, message: OutgoingMessage<AnyTopic>): void {
  JSON.parse(Buffer.from(JSON.stringify(envelopeOf(message, message.payload)), 'utf8').toString('utf8'));
}

const runs: [string, typeof compiledRoundTrip][] = [
  ['class-validator (baseline)', referenceRoundTrip],
  ['compiled', compiledRoundTrip],
  ['JSON only (ceiling)', ceilingRoundTrip],
];

console.log(`codec round trip (encode + decode), ${N} messages per kind, node ${process.version}`);
for (const [label, topic, message] of kinds) {
  const n = label.includes('100 keys') ? Math.max(1, Math.floor(N / 20)) : N;
  const rates = new Map<string, number>();
  for (const [name, fn] of runs) {
    for (let i = 0; i < Math.min(n, 2_000); i++) fn(topic, message); // warm-up
    const t = time(() => {
      for (let i = 0; i < n; i++) fn(topic, message);
    });
    rates.set(name, n / t.cpu);
    console.log(
      `  ${label.padEnd(28)} ${name.padEnd(28)} ${String(Math.round(n / t.seconds)).padStart(9)} msg/s wall, ` +
        `${String(Math.round(n / t.cpu)).padStart(9)} msg/s CPU, ${((t.cpu / n) * 1e6).toFixed(1).padStart(7)} µs CPU/msg`,
    );
  }
  const compiled = rates.get('compiled')!;
  console.log(
    `  ${label.padEnd(28)} ratio compiled / class-validator ${(compiled / rates.get('class-validator (baseline)')!).toFixed(1)}×, ` +
      `compiled / ceiling ${((compiled / rates.get('JSON only (ceiling)')!) * 100).toFixed(0)}%`,
  );
}

const answerCommon = {
  eventId: '1b4e28ba-2fa1-5d6e-8c3a-4f1a2b3c4d5e',
  correlationId: 'corr-4012345678901234',
  occurredAt: new Date('2026-11-30T12:00:00.000Z'),
};
const answers: [string, OutgoingMessage<typeof Topics.orderOutcomes>][] = [
  ['order.accepted', { ...answerCommon, ...accepted }],
  [
    'order.rejected',
    {
      ...answerCommon,
      type: 'order.rejected',
      payload: { ...accepted.payload, reasonCode: 'INSUFFICIENT_STOCK' },
    },
  ],
];
const ROUNDS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`\nencode of an answer, ${N} messages per round, ${ROUNDS} alternating rounds, median round`);
for (const [label, message] of answers) {
  const variants: [string, () => void][] = [
    ['validated (baseline)', () => encodeMessage(Topics.orderOutcomes, message, 'inventory-service')],
    [
      'without validation',
      () => encodeMessage(Topics.orderOutcomes, message, 'inventory-service', { skipValidation: true }),
    ],
  ];
  const cpu = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (const [, fn] of variants) for (let i = 0; i < 5_000; i++) fn(); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of round % 2 === 0 ? variants : [...variants].reverse()) {
      const t = time(() => {
        for (let i = 0; i < N; i++) fn();
      });
      cpu.get(name)!.push((t.cpu / N) * 1e6);
    }
  }
  for (const [name] of variants) {
    const xs = cpu.get(name)!;
    console.log(
      `  ${label.padEnd(16)} ${name.padEnd(22)} median ${median(xs).toFixed(2).padStart(6)} µs CPU/msg ` +
        `(rounds ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`,
    );
  }
  const base = median(cpu.get('validated (baseline)')!);
  const skip = median(cpu.get('without validation')!);
  console.log(
    `  ${label.padEnd(16)} ratio validated / without ${(base / skip).toFixed(2)}×, ` +
      `validation ${(((base - skip) / base) * 100).toFixed(0)}% of the validated encode`,
  );
}
