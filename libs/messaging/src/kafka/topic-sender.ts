import type { EncodedMessage } from '../codec';
import type { PublishReceipt } from '../message-bus';

/** A message with its partition chosen, ready for the producer. */
export type PlacedMessage = EncodedMessage & { partition: number };

/** What the producer answers: per partition, the base offset of the record batch it wrote. */
export type SendMetadata = { partition: number; baseOffset?: string; offset?: string }[];

interface Waiting {
  messages: PlacedMessage[];
  bytes: number;
  resolve(receipts: PublishReceipt[]): void;
  reject(err: unknown): void;
}

/**
 * Group commit for one topic. The idempotent producer allows one request in flight, so publishes that arrive
 * while a request is out wait for it; instead of each then sending its own request, everything that waited goes
 * in the next one (up to the request size limit). Each publisher still gets its own receipts and its own error,
 * and a publish is never split across requests by this merging.
 */
export class TopicSender {
  private readonly waiting: Waiting[] = [];
  private draining = false;

  constructor(
    private readonly topic: string,
    private readonly maxRequestBytes: number,
    private readonly produce: (
      messages: { key: string; value: Buffer; headers: Record<string, string>; partition: number }[],
    ) => Promise<SendMetadata>,
  ) {}

  send(messages: PlacedMessage[]): Promise<PublishReceipt[]> {
    const bytes = messages.reduce((n, m) => n + m.value.length + m.key.length, 0);
    return new Promise((resolve, reject) => {
      this.waiting.push({ messages, bytes, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.takeRequest();
        const placed = batch.flatMap((w) => w.messages);
        try {
          const metadata = await this.produce(
            placed.map((m) => ({ key: m.key, value: m.value, headers: m.headers, partition: m.partition })),
          );
          const receipts = this.receiptsOf(placed, metadata);
          let at = 0;
          for (const w of batch) {
            w.resolve(receipts.slice(at, at + w.messages.length));
            at += w.messages.length;
          }
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** The waiting publishes that fit in one request, oldest first (always at least one). */
  private takeRequest(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (
      count < this.waiting.length &&
      (count === 0 || bytes + this.waiting[count].bytes <= this.maxRequestBytes)
    ) {
      bytes += this.waiting[count].bytes;
      count++;
    }
    return this.waiting.splice(0, count);
  }

  /** One record batch per partition, in send order: a message's offset = the batch's base offset + its rank. */
  private receiptsOf(placed: PlacedMessage[], metadata: SendMetadata): PublishReceipt[] {
    const base = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? m.offset ?? '-1')]));
    const rank = new Map<number, bigint>();
    return placed.map((m) => {
      const r = rank.get(m.partition) ?? 0n;
      rank.set(m.partition, r + 1n);
      const first = base.get(m.partition);
      if (first === undefined || first < 0n)
        throw new Error(`no offset returned for ${this.topic}[${m.partition}]`);
      return {
        eventId: m.eventId,
        topic: this.topic,
        key: m.key,
        partition: m.partition,
        offset: (first + r).toString(),
      };
    });
  }
}
