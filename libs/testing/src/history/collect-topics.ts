import { randomBytes } from 'node:crypto';
import { orderKey } from '@libs/inventory';
import { Kafka, logLevel } from 'kafkajs';
import type { ObservedHistory } from './oracle';

export interface TopicRecord {
  partition: number;
  offset: string;
  key: string | null;
  /** Broker timestamp (the producer's create time), epoch ms. */
  timestamp: number;
  value: Buffer | null;
}

/**
 * Every record a topic holds right now, read from the beginning up to each partition's high watermark by a
 * throw-away consumer group. Bounded: fails rather than waits past `timeoutMs`.
 */
export async function readWholeTopic(
  brokers: string[],
  topic: string,
  timeoutMs = 30_000,
): Promise<TopicRecord[]> {
  const kafka = new Kafka({ clientId: 'history-collector', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    const starts = new Map(offsets.map((o) => [o.partition, BigInt(o.low)]));
    if ([...ends].every(([p, high]) => high <= (starts.get(p) ?? 0n))) return [];
  } finally {
    await admin.disconnect();
  }
  const records: TopicRecord[] = [];
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  const consumer = kafka.consumer({
    groupId: `history-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          records.push({
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString('utf8') ?? null,
            timestamp: Number(m.timestamp),
            value: m.value,
          });
        }
        const last = batch.messages.at(-1);
        if (last && BigInt(last.offset) + 1n >= (ends.get(batch.partition) ?? 0n))
          remaining.delete(batch.partition);
        if (remaining.size === 0) done();
      },
    });
    if (remaining.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `reading ${topic}: partitions ${[...remaining].join(',')} not read to their end in ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    }
  } finally {
    await consumer.disconnect();
  }
  return records.filter((r) => BigInt(r.offset) < (ends.get(r.partition) ?? 0n));
}

interface EnvelopeLike {
  eventId: string;
  type: string;
  correlationId: string;
  payload: Record<string, unknown>;
}

function envelopes(records: TopicRecord[]): { envelope: EnvelopeLike; timestamp: number }[] {
  const out: { envelope: EnvelopeLike; timestamp: number }[] = [];
  for (const r of records) {
    if (!r.value) continue;
    try {
      out.push({ envelope: JSON.parse(r.value.toString('utf8')) as EnvelopeLike, timestamp: r.timestamp });
    } catch {
      // not an envelope: nothing the history needs
    }
  }
  return out;
}

export interface ObservedOutcome {
  orderKey: string;
  sku: string;
  type: string;
  answersType?: string;
  /** The channel event the outcome answers (its correlation id). */
  correlationId: string;
  /** When the first copy was published, epoch ms. */
  at: number;
}

/** stock.order-outcomes, deduplicated by event id (a redelivered order event is answered with the same ids). */
export function outcomesOf(records: TopicRecord[]): ObservedOutcome[] {
  const seen = new Map<string, ObservedOutcome>();
  for (const { envelope: e, timestamp } of envelopes(records)) {
    if (seen.has(e.eventId)) continue;
    const p = e.payload;
    seen.set(e.eventId, {
      orderKey: orderKey(String(p.channel), String(p.channelOrderId)),
      sku: String(p.sku),
      type: e.type,
      answersType:
        typeof p.answers === 'string'
          ? p.answers
          : e.type === 'card-keys.allocated'
            ? 'order.paid'
            : undefined,
      correlationId: e.correlationId,
      at: timestamp,
    });
  }
  return [...seen.values()];
}

export interface ObservedDeadLetter {
  reasonCode: string;
  reason: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  originalEventId?: string;
  originalType?: string;
  consumerGroup: string;
  at: number;
}

export function deadLettersOf(records: TopicRecord[]): ObservedDeadLetter[] {
  return envelopes(records).map(({ envelope, timestamp }) => ({
    ...(envelope.payload as unknown as ObservedDeadLetter),
    at: timestamp,
  }));
}

/** The newest target per channel:SKU (by SKU version) that stock.channel-targets holds. */
export function latestTargetsOf(
  records: TopicRecord[],
): Map<string, { quantity: number; skuVersion: number }> {
  const latest = new Map<string, { quantity: number; skuVersion: number }>();
  for (const { envelope } of envelopes(records)) {
    const p = envelope.payload as { channel: string; sku: string; quantity: number; skuVersion: number };
    const key = `${p.channel}:${p.sku}`;
    const seen = latest.get(key);
    if (!seen || seen.skuVersion <= p.skuVersion)
      latest.set(key, { quantity: p.quantity, skuVersion: p.skuVersion });
  }
  return latest;
}

export type { ObservedHistory };
