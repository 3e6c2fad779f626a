import { randomUUID } from 'node:crypto';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import {
  ALL_TOPICS,
  type AnyTopic,
  type EnvelopeOf,
  type MessageBatch,
  MessageBus,
  type OutgoingMessage,
  type PublishReceipt,
} from '@libs/messaging';
import type { Observable } from 'rxjs';
import type { BusPatternExtras, ProviderLookup } from './bus-transport';

export interface MessageBusClientOptions<R extends AnyTopic> {
  /** The catalogue topic the answers come back on, keyed by the requester. */
  replyTopic: R;
  /** This requester's address: the key of its replies, and what its requests name as `replyTo`. */
  replyTo: string;
  /** The consumer group of its reply consumer: one of its own, so that it sees every reply under its key. */
  replyGroup: string;
  /**
   * How long a `send()` waits for progress: it fails with ReplyTimeoutError when no reply came for this long
   * after the requests were published or after the previous reply. A large batch is still progressing while
   * replies keep coming, however long it takes in all.
   */
  replyTimeoutMs: number;
}

/** No reply came within the wait: `unanswered` are the correlation ids of the requests still without one. */
export class ReplyTimeoutError extends Error {
  override readonly name = 'ReplyTimeoutError';

  constructor(
    readonly unanswered: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(`no reply for ${timeoutMs} ms; ${unanswered.length} request(s) unanswered`);
  }
}

function topicNamed(pattern: unknown): AnyTopic {
  const topic = ALL_TOPICS.find((t) => t.name === pattern);
  if (!topic)
    throw new Error(
      `'${String(pattern)}' is not a topic of the catalogue (${ALL_TOPICS.map((t) => t.name).join(', ')})`,
    );
  return topic;
}

/**
 * The client side of the message bus transport (`ClientProxy` of `@nestjs/microservices`), for request/reply
 * over two catalogue topics: `send(<request topic name>, messages)` publishes the messages as one batch, each
 * with a correlation id (its own, or a new one), and emits every reply on `replyTopic` under `replyTo` whose
 * correlation id is one of them, completing when each has one, or failing with ReplyTimeoutError when the
 * replies stop coming for `replyTimeoutMs`. A reply delivered again (the bus delivers at least once) while the
 * batch still waits is emitted again. `emit(<topic name>, messages)` publishes events and completes with their
 * receipts.
 *
 * The replies reach it through the app's own consumer: an `@EventPattern(replyTopic.name, replyConsumer(token))`
 * handler that hands each batch to `handleReplies`. Unsubscribing from a `send()` stops its wait; a reply that
 * comes later is dropped. Connecting and closing are the bus's own (MessagingModule starts and stops it).
 */
export class MessageBusClient<R extends AnyTopic> extends ClientProxy {
  private readonly waiting = new Map<string, (reply: EnvelopeOf<R>) => void>();

  constructor(
    private readonly bus: MessageBus,
    private readonly options: MessageBusClientOptions<R>,
  ) {
    super();
  }

  get replyTo(): string {
    return this.options.replyTo;
  }

  get replyGroup(): string {
    return this.options.replyGroup;
  }

  /** Typed `send()`: the requests on `topic`, then their replies as they come. */
  request<T extends AnyTopic>(topic: T, messages: readonly OutgoingMessage<T>[]): Observable<EnvelopeOf<R>> {
    return this.send<EnvelopeOf<R>, readonly OutgoingMessage<T>[]>(topic.name, messages);
  }

  /** Typed `emit()`: publishes events on `topic`; completes with their receipts once the bus acknowledged them. */
  publishEvents<T extends AnyTopic>(
    topic: T,
    messages: readonly OutgoingMessage<T>[],
  ): Observable<PublishReceipt[]> {
    return this.emit<PublishReceipt[], readonly OutgoingMessage<T>[]>(topic.name, messages);
  }

  /** The reply consumer's work: each reply under this requester's key goes to the request waiting for it. */
  handleReplies(batch: MessageBatch<R>): Promise<void> {
    for (const { envelope, key } of batch.messages) {
      if (key === this.options.replyTo) this.waiting.get(envelope.correlationId)?.(envelope);
    }
    return Promise.resolve();
  }

  /** Nothing to connect: the bus is the app's, started by MessagingModule when the app has initialised. */
  connect(): Promise<void> {
    return Promise.resolve();
  }

  /** The bus is stopped by MessagingModule; a request still waiting ends by its own timeout. */
  close(): void {}

  unwrap<T>(): T {
    return this.bus as T;
  }

  protected publish(
    packet: ReadPacket<readonly OutgoingMessage<AnyTopic>[]>,
    callback: (packet: WritePacket<EnvelopeOf<R>>) => void,
  ): () => void {
    const requests = packet.data.map((m) =>
      m.correlationId === undefined ? { ...m, correlationId: randomUUID() } : m,
    );
    const pending = new Set(requests.map((m) => m.correlationId!));
    const ids = [...pending];
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    const teardown = () => {
      over = true;
      clearTimeout(timer);
      for (const id of ids) this.waiting.delete(id);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const unanswered = ids.filter((id) => pending.has(id));
        teardown();
        callback({ err: new ReplyTimeoutError(unanswered, this.options.replyTimeoutMs) });
      }, this.options.replyTimeoutMs);
    };
    for (const id of ids)
      this.waiting.set(id, (reply) => {
        pending.delete(id);
        if (pending.size === 0) {
          teardown();
          callback({ response: reply, isDisposed: true });
        } else {
          arm();
          callback({ response: reply });
        }
      });
    let topic: AnyTopic;
    try {
      topic = topicNamed(packet.pattern);
    } catch (err) {
      teardown();
      callback({ err });
      return teardown;
    }
    this.bus.publish(topic, requests).then(
      () => {
        if (over) return;
        if (pending.size > 0) arm();
        else {
          teardown();
          callback({ isDisposed: true });
        }
      },
      (err: unknown) => {
        // Nothing was sent: nothing to wait for.
        if (over) return;
        teardown();
        callback({ err });
      },
    );
    return teardown;
  }

  protected dispatchEvent<T = PublishReceipt[]>(
    packet: ReadPacket<readonly OutgoingMessage<AnyTopic>[]>,
  ): Promise<T> {
    return Promise.resolve()
      .then(() => this.bus.publish(topicNamed(packet.pattern), packet.data))
      .then((receipts) => receipts as T);
  }
}

/**
 * The extras of the reply consumer of the MessageBusClient provided under `token`: its own group, starting at the
 * end of the topic (replies to an earlier run are of no use), reading only its own key:
 * `@EventPattern(replyTopic.name, replyConsumer(TOKEN))`.
 */
export function replyConsumer(token: string | symbol): BusPatternExtras {
  const client = (app: ProviderLookup) => app.get<MessageBusClient<AnyTopic>>(token);
  return {
    groupId: (app) => client(app).replyGroup,
    fromBeginning: false,
    optionsFrom: (app) => {
      const own = client(app).replyTo;
      return { acceptKey: (key) => key === own };
    },
  };
}
