import {
  Catch,
  type INestApplication,
  type INestApplicationContext,
  type RpcExceptionFilter,
} from '@nestjs/common';
import {
  BaseRpcContext,
  type CustomTransportStrategy,
  type MessageHandler,
  type MsPattern,
  type NestMicroservice,
  Server,
} from '@nestjs/microservices';
import {
  ALL_TOPICS,
  type AnyTopic,
  type MessageBatch,
  MessageBus,
  type SubscribeOptions,
  type Subscription,
} from '@libs/messaging';
import { isObservable, lastValueFrom, type Observable, throwError } from 'rxjs';

/** Transport id of the message bus: `@EventPattern(name, MESSAGE_BUS_TRANSPORT, extras)` pins a handler to it. */
export const MESSAGE_BUS_TRANSPORT = Symbol('message-bus');

/** What a consumer group resolver may read: the app's providers, e.g. its validated configuration. */
export type ProviderLookup = Pick<INestApplicationContext, 'get'>;

/**
 * The second argument of `@EventPattern(<catalogue topic name>, extras)` for a message bus consumer, e.g.
 * `{ groupId: (app) => app.get(InventoryServiceConfig).consumerGroup } satisfies BusPatternExtras`.
 */
export interface BusPatternExtras extends SubscribeOptions {
  /**
   * The consumer group. A function is called once when the transport starts, so the group can come from
   * configuration that only exists at run time.
   */
  groupId: string | ((app: ProviderLookup) => string);
  /**
   * Subscribe options only known at run time, read from the app's providers (e.g. `acceptKey` for a key of this
   * very process). Called once when the transport starts; what it returns is laid over `fromBeginning` and
   * `acceptKey` given here directly.
   */
  optionsFrom?: (app: ProviderLookup) => SubscribeOptions;
  /**
   * For a consumer that configuration turns on or off: called once when the transport starts, and when it returns
   * false the handler is not subscribed at all (it joins no group and is never called), instead of being
   * subscribed to ignore what it gets.
   */
  subscribeIf?: (app: ProviderLookup) => boolean;
}

/** The `@Ctx()` of a message bus handler: where its batch comes from. */
export class MessageBusContext extends BaseRpcContext<
  [topicName: string, groupId: string, partition: number]
> {
  /** Full topic name (prefix included). */
  getTopicName(): string {
    return this.args[0];
  }

  getGroupId(): string {
    return this.args[1];
  }

  getPartition(): number {
    return this.args[2];
  }
}

interface Registration {
  pattern: string;
  handler: MessageHandler;
  isEventHandler: boolean;
  extras: Partial<BusPatternExtras>;
}

interface Consumer {
  topic: AnyTopic;
  groupId: string;
  handler: MessageHandler;
  options: SubscribeOptions;
}

/**
 * A Nest custom transport over the project's MessageBus: every `@EventPattern(<topic name>, { groupId, ... })`
 * controller method becomes one subscription, and receives whole batches (one partition's consecutive
 * messages). The handler's returned promise or observable completing is what commits the batch; a failure goes
 * back to the bus unchanged, which retries it (without end for transient errors) or dead-letters it, as for any
 * subscription.
 */
export class MessageBusTransport extends Server implements CustomTransportStrategy {
  override transportId: symbol = MESSAGE_BUS_TRANSPORT;
  private readonly registrations: Registration[] = [];
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly app: ProviderLookup) {
    super();
  }

  /**
   * Kept apart instead of chained: Nest links the handlers of one event pattern and calls them all for every
   * message, while here each handler is its own consumer group with its own batches and offsets.
   */
  override addHandler(
    pattern: MsPattern,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    this.registrations.push({
      pattern: this.normalizePattern(pattern),
      handler: callback,
      isEventHandler,
      extras: extras as Partial<BusPatternExtras>,
    });
  }

  /** Subscribes every handler; the bus delivers once it starts (or at once, if it already runs). */
  listen(callback: (err?: unknown) => void): void {
    void this.subscribeAll().then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  /** Each subscription finishes and commits its batch in progress, then leaves its group. */
  async close(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.stop()));
  }

  on(): never {
    throw new Error('the message bus transport emits no server events');
  }

  unwrap<T>(): T {
    return this.app.get(MessageBus) as T;
  }

  private async subscribeAll(): Promise<void> {
    // Checked in full before the first subscription, so a wrong declaration fails the start with nothing joined.
    const consumers = this.registrations
      .map((r) => this.consumerOf(r))
      .filter((c): c is Consumer => c !== undefined);
    const seen = new Set<string>();
    for (const { topic, groupId } of consumers) {
      const key = `${topic.name}\u0000${groupId}`;
      if (seen.has(key))
        throw new Error(
          `two @EventPattern('${topic.name}') handlers in consumer group '${groupId}': each would get only some ` +
            'partitions; give each its own group',
        );
      seen.add(key);
    }
    if (consumers.length === 0) return;
    const bus = this.app.get(MessageBus);
    try {
      for (const { topic, groupId, handler, options } of consumers)
        this.subscriptions.push(
          await bus.subscribe(topic, groupId, (batch) => this.deliver(handler, batch), options),
        );
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** The subscription a handler declares; undefined when its `subscribeIf` turns it off. */
  private consumerOf({ pattern, handler, isEventHandler, extras }: Registration): Consumer | undefined {
    if (!isEventHandler)
      throw new Error(
        `@MessagePattern('${pattern}'): the message bus delivers events; consume a topic with @EventPattern`,
      );
    const topic = ALL_TOPICS.find((t) => t.name === pattern);
    if (!topic)
      throw new Error(
        `@EventPattern('${pattern}') is not a topic of the catalogue (${ALL_TOPICS.map((t) => t.name).join(', ')})`,
      );
    if (extras.subscribeIf && !extras.subscribeIf(this.app)) return undefined;
    const groupId = typeof extras.groupId === 'function' ? extras.groupId(this.app) : extras.groupId;
    if (typeof groupId !== 'string' || groupId === '')
      throw new Error(`@EventPattern('${pattern}') needs a consumer group: { groupId } in its extras`);
    const options: SubscribeOptions = {};
    if (extras.fromBeginning !== undefined) options.fromBeginning = extras.fromBeginning;
    if (extras.acceptKey) options.acceptKey = extras.acceptKey;
    if (extras.optionsFrom) {
      const resolved = extras.optionsFrom(this.app);
      if (resolved.fromBeginning !== undefined) options.fromBeginning = resolved.fromBeginning;
      if (resolved.acceptKey) options.acceptKey = resolved.acceptKey;
    }
    return { topic, groupId, handler, options };
  }

  private async deliver(handler: MessageHandler, batch: MessageBatch<AnyTopic>): Promise<void> {
    const context = new MessageBusContext([batch.topicName, batch.groupId, batch.partition]);
    // A method returning a promise comes back as its value; one returning an observable, and every failure
    // (turned into an erroring observable by Nest's exception zone), comes back as an observable.
    const result: unknown = await handler(batch, context);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }
}

/**
 * Hands a handler's error back as it was thrown. Nest's default would log it and replace it with
 * `{ status: 'error', message: 'Internal server error' }`, and the bus could then no longer tell a transient
 * failure (retried until it heals) from the message's own (dead-lettered after the bounded retries).
 */
@Catch()
class HandlerErrorsToTheBus implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Connects the message bus transport to `app` and subscribes its `@EventPattern` handlers. Called before the
 * app initialises, so the subscriptions exist when the bus starts (in onApplicationBootstrap); closing the app
 * stops them.
 */
export async function startBusConsumers(app: INestApplication): Promise<void> {
  // Deferred so that the filter is in place before the handlers are wrapped (Nest binds it then).
  const microservice = app.connectMicroservice(
    { strategy: new MessageBusTransport(app) },
    { deferInitialization: true },
  );
  microservice.useGlobalFilters(new HandlerErrorsToTheBus());
  // The app runs the lifecycle hooks itself when it initialises; the deferred microservice would run them again.
  (microservice as NestMicroservice).setIsInitHookCalled(true);
  await app.startAllMicroservices();
}
