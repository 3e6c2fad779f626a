import { createHash, randomUUID } from 'node:crypto';
import { type Admin, Kafka, type Producer, logLevel } from 'kafkajs';
import { type DeadLetter, DeadLettersTopic } from '../catalogue/dead-letters';
import { topicName } from '../catalogue/define-topic';
import { decodeRecord } from '../codec';
import type { KafkaClientSecurity } from './kafka-security';

export interface KafkaDeadLettersOptions {
  /** KAFKA_BROKERS. */
  brokers: string[];
  /** The client id on the broker; the throwaway consumer groups are named after it. */
  clientId: string;
  /** KAFKA_TOPIC_PREFIX. */
  topicPrefix?: string;
  /** How long one read waits for records the broker said are there. Default 30000. */
  readTimeoutMs?: number;
  ssl?: KafkaClientSecurity['ssl'];
  sasl?: KafkaClientSecurity['sasl'];
}

/** One record of the dead-letter topic that is a dead letter the bus wrote. */
export interface StoredDeadLetter {
  partition: number;
  offset: string;
  /** When the consumer set the record aside (the dead letter's occurredAt). */
  occurredAt: string;
  /** The dead letter's own event id (derived from group, source topic, partition and offset). */
  eventId: string;
  letter: DeadLetter;
}

/** A record of the dead-letter topic that is not a readable dead letter: nothing of the project writes one. */
export interface UnreadableDeadLetter {
  partition: number;
  offset: string;
  problem: string;
}

export interface DeadLetterRead {
  /** Oldest first within a partition, partitions in order. */
  letters: StoredDeadLetter[];
  unreadable: UnreadableDeadLetter[];
}

/** Where a replay wrote the record. */
export interface ReplayReceipt {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
}

interface PartitionRange {
  /** First offset to read. */
  from: bigint;
  /** Offset after the last one to read. */
  to: bigint;
}

/**
 * Reads and replays the dead-letter topic (stock.dlq) for operators: the CLI's `dlq` commands and the API's
 * /v1/dead-letters. Reads go through a throwaway consumer group that seeks to the wanted offsets and commits
 * nothing, so no consumer's position moves and nothing on the topic changes; replays write a record's original
 * bytes, key and headers back to its source topic with the idempotent producer and acks=all, as the bus does.
 */
export class KafkaDeadLetters {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly readTimeoutMs: number;
  private admin?: Promise<Admin>;
  private producer?: Promise<Producer>;
  // One read at a time per instance: each read is a consumer group on the broker, and a burst of requests must not
  // become a burst of groups.
  private reads: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: KafkaDeadLettersOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      ...(options.ssl !== undefined && { ssl: options.ssl }),
      ...(options.sasl !== undefined && { sasl: options.sasl }),
    });
    this.topic = topicName(DeadLettersTopic, options.topicPrefix);
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
  }

  /** The full name of the dead-letter topic, prefix included. */
  get topicName(): string {
    return this.topic;
  }

  /** Every record on the topic. */
  async all(): Promise<DeadLetterRead> {
    const ends = await this.ends();
    return this.read(new Map([...ends].map(([p, e]) => [p, { from: e.low, to: e.high }])));
  }

  /** The last `limit` records of each partition (so at least the newest `limit` of the topic). */
  async latest(limit: number): Promise<DeadLetterRead> {
    const ends = await this.ends();
    const ranges = new Map<number, PartitionRange>();
    for (const [p, { low, high }] of ends) {
      const from = high - BigInt(limit);
      ranges.set(p, { from: from > low ? from : low, to: high });
    }
    return this.read(ranges);
  }

  /**
   * The record at partition/offset: undefined when the partition has no such offset (never written, or gone with
   * the topic's retention); `unreadable` when it holds something that is not a dead letter.
   */
  async at(partition: number, offset: string): Promise<StoredDeadLetter | UnreadableDeadLetter | undefined> {
    if (!/^\d+$/.test(offset)) return undefined;
    const wanted = BigInt(offset);
    const ends = await this.ends();
    const end = ends.get(partition);
    if (!end || wanted < end.low || wanted >= end.high) return undefined;
    // The other partitions are named too, with nothing to read, so the consumer skips them instead of reading them.
    const ranges = new Map([...ends].map(([p, e]) => [p, { from: e.high, to: e.high }]));
    ranges.set(partition, { from: wanted, to: wanted + 1n });
    const { letters, unreadable } = await this.read(ranges);
    return [...letters, ...unreadable].find((r) => r.partition === partition && r.offset === offset);
  }

  /**
   * Writes the dead letter's original record back to its source topic. Throws when the dead letter cannot give it
   * back whole (see replayableRecord).
   */
  async replay(stored: StoredDeadLetter, label = stored.offset): Promise<ReplayReceipt> {
    const record = replayableRecord(label, stored.letter);
    const producer = await this.connectedProducer();
    const [sent] = await producer.send({
      topic: record.topic,
      acks: -1,
      messages: [{ key: record.key, value: record.value, headers: record.headers }],
    });
    return {
      topic: record.topic,
      partition: sent.partition,
      offset: sent.baseOffset ?? '?',
      key: record.key,
    };
  }

  async close(): Promise<void> {
    const [admin, producer] = [this.admin, this.producer];
    this.admin = this.producer = undefined;
    await Promise.all([
      admin?.then((a) => a.disconnect()).catch(() => undefined),
      producer?.then((p) => p.disconnect()).catch(() => undefined),
    ]);
  }

  private async ends(): Promise<Map<number, { low: bigint; high: bigint }>> {
    const admin = await this.connectedAdmin();
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      return new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
    } catch (err) {
      // A broken connection is made again on the next call rather than kept.
      this.admin = undefined;
      await admin.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      this.producer = producer.connect().then(() => producer);
      this.producer.catch(() => (this.producer = undefined));
    }
    return this.producer;
  }

  private read(ranges: Map<number, PartitionRange>): Promise<DeadLetterRead> {
    const run = this.reads.then(() => this.readNow(ranges));
    this.reads = run.catch(() => undefined);
    return run;
  }

  private async readNow(ranges: Map<number, PartitionRange>): Promise<DeadLetterRead> {
    const out: DeadLetterRead = { letters: [], unreadable: [] };
    const pending = new Map([...ranges].filter(([, r]) => r.to > r.from));
    if (pending.size === 0) return out;
    const seen = new Set<string>();
    const consumer = this.kafka.consumer({
      groupId: `${this.options.clientId}-dead-letters-${randomUUID()}`,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        // Offsets are contiguous on this topic (delete policy, no transactions); should some be missing all the
        // same, the read ends with what it found.
        const timer = setTimeout(resolve, this.readTimeoutMs);
        const fail = (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        };
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const range = pending.get(partition);
              const offset = BigInt(message.offset);
              if (!range || offset < range.from || offset >= range.to) return;
              if (seen.has(`${partition}:${message.offset}`)) return;
              seen.add(`${partition}:${message.offset}`);
              const key = message.key === null ? null : message.key.toString('utf8');
              const decoded = decodeRecord(DeadLettersTopic, key, message.value);
              if (decoded.ok) {
                out.letters.push({
                  partition,
                  offset: message.offset,
                  occurredAt: decoded.envelope.occurredAt,
                  eventId: decoded.envelope.eventId,
                  letter: decoded.envelope.payload,
                });
              } else {
                out.unreadable.push({
                  partition,
                  offset: message.offset,
                  problem: `${decoded.code}: ${decoded.reason}`,
                });
              }
              if (offset === range.to - 1n) pending.delete(partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(fail);
        // run() has made the group's state by now (it is not awaited, so these seeks come before the first fetch):
        // the wanted partitions start at their first wanted offset, the others at their end.
        try {
          for (const [partition, range] of ranges) {
            consumer.seek({
              topic: this.topic,
              partition,
              offset: String(pending.has(partition) ? range.from : range.to),
            });
          }
        } catch (err) {
          fail(err);
        }
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    const order = (a: { partition: number; offset: string }, b: { partition: number; offset: string }) =>
      a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));
    out.letters.sort(order);
    out.unreadable.sort(order);
    return out;
  }
}

/** The fields of a dead letter a replay reads. */
export type ReplayableDeadLetter = Pick<DeadLetter, 'sourceTopic'> &
  Partial<
    Pick<
      DeadLetter,
      | 'sourcePartition'
      | 'sourceOffset'
      | 'key'
      | 'keyTruncated'
      | 'valueBase64'
      | 'valueTruncated'
      | 'valueSizeBytes'
      | 'valueSha256'
      | 'headers'
    >
  >;

/**
 * The record a dead letter can put back, or why it cannot: a dead letter of a large record keeps only an
 * excerpt of its value (and of an overlong key), and replaying a part would publish a different, broken record.
 */
export function replayableRecord(
  label: string,
  p: ReplayableDeadLetter,
): { topic: string; key: string | null; value: Buffer; headers: Record<string, string> } {
  const source = `${p.sourceTopic}[${p.sourcePartition ?? '?'}]@${p.sourceOffset ?? '?'}`;
  if (p.valueTruncated || p.keyTruncated) {
    throw new DeadLetterNotReplayableError(
      `dead letter ${label} kept only the first ${Buffer.from(p.valueBase64 ?? '', 'base64').length} of ` +
        `${p.valueSizeBytes ?? '?'} bytes (sha256 ${p.valueSha256 ?? '?'}); it cannot be replayed from the ` +
        `dead-letter topic. The whole record is at ${source} while the topic's retention keeps it.`,
    );
  }
  if (!p.valueBase64) throw new DeadLetterNotReplayableError(`dead letter ${label} kept no original bytes`);
  const value = Buffer.from(p.valueBase64, 'base64');
  if (p.valueSha256 !== undefined && createHash('sha256').update(value).digest('hex') !== p.valueSha256) {
    throw new DeadLetterNotReplayableError(
      `dead letter ${label}: the kept bytes do not match their sha256; refusing to replay`,
    );
  }
  return { topic: p.sourceTopic, key: p.key ?? null, value, headers: p.headers ?? {} };
}

/** A dead letter that cannot give back its whole original record; nothing was written. */
export class DeadLetterNotReplayableError extends Error {
  override readonly name = 'DeadLetterNotReplayableError';
}
