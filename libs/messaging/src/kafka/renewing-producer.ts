import { isKafkaProducerStateLost } from '@libs/resilience';
import type { ProducerRecord, RecordMetadata } from 'kafkajs';

/** The part of a kafkajs producer the bus uses. */
export interface SendingProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
}

/**
 * An idempotent producer that replaces itself (kafkajs does not recover; the Java client does the same) with a new one (a new producer id, sequences from zero) when the
 * broker refuses its sequence, and sends the refused request again through it. The refused batch was not written,
 * so nothing is lost; the batch whose answer was lost was written, so a consumer may read it twice — which
 * at-least-once delivery already allows (every consumer is idempotent by event id). The replaced producer is
 * disconnected once its sends in flight have settled.
 */
export class RenewingProducer {
  private current: SendingProducer;
  private renewal?: Promise<void>;
  private readonly inFlight = new Map<SendingProducer, number>();
  private readonly retired = new Set<SendingProducer>();

  constructor(
    private readonly create: () => SendingProducer,
    private readonly onRenewed: (cause: unknown) => void,
  ) {
    this.current = create();
  }

  connect(): Promise<void> {
    return this.current.connect();
  }

  async disconnect(): Promise<void> {
    await this.renewal?.catch(() => undefined);
    await this.current.disconnect();
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const producer = this.current;
    try {
      return await this.sendThrough(producer, record);
    } catch (err) {
      if (!isKafkaProducerStateLost(err)) throw err;
      await this.renew(producer, err);
      return this.sendThrough(this.current, record);
    }
  }

  private async sendThrough(producer: SendingProducer, record: ProducerRecord): Promise<RecordMetadata[]> {
    this.inFlight.set(producer, (this.inFlight.get(producer) ?? 0) + 1);
    try {
      return await producer.send(record);
    } finally {
      const left = (this.inFlight.get(producer) ?? 1) - 1;
      if (left > 0) this.inFlight.set(producer, left);
      else {
        this.inFlight.delete(producer);
        if (this.retired.delete(producer)) void producer.disconnect().catch(() => undefined);
      }
    }
  }

  /** One renewal however many sends were refused at once; a send refused by an already replaced producer just retries. */
  private async renew(failed: SendingProducer, cause: unknown): Promise<void> {
    if (this.current !== failed) return;
    this.renewal ??= (async () => {
      const next = this.create();
      try {
        await next.connect();
      } catch (err) {
        await next.disconnect().catch(() => undefined);
        throw err;
      }
      this.current = next;
      this.onRenewed(cause);
      if (this.inFlight.has(failed)) this.retired.add(failed);
      else void failed.disconnect().catch(() => undefined);
    })().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }
}
