import { Controller, Inject, type Type } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  AfterSalesTopic,
  ChannelTargetsTopic,
  type MessageBatch,
  OrderOutcomesTopic,
  RetryableHandlerError,
} from '@libs/messaging';
import { LOGGER } from '@libs/observability';
import type { BusPatternExtras, ProviderLookup } from '@libs/runtime';
import type { Logger } from 'pino';
import { afterSalesAnswerHandler } from '../outbound/after-sales-answerer';
import { channelTargetHandler, channelTargetSubscription } from '../outbound/target-consumer';
import { ConnectorConfig } from './connector.config';
import { cardVaultConfigured, ConnectorRuntime } from './connector-runtime';
import { connectorChannel, connectorGroup, type ConnectorSpec } from './connector-spec';

/**
 * The consumers of one connector, made per platform like its webhook route: the push path reads the channel's own
 * keys of stock.channel-targets (keyed channel:SKU, shared by every channel); card-key fulfilment reads
 * stock.order-outcomes in `<group>-fulfilment`, and is subscribed only when the card vault is configured (without
 * it nothing could be delivered, and ConnectorRuntime logs that delivery is off). The channel, and so the keys
 * and the groups, are resolved from the configuration when the transport starts (connectorChannel).
 */
export function connectorConsumers(spec: ConnectorSpec): Type[] {
  const channelOf = (app: ProviderLookup) => connectorChannel(app.get(ConnectorConfig), spec);
  const groupOf = (app: ProviderLookup) => connectorGroup(app.get(ConnectorConfig), channelOf(app));

  @Controller()
  class ChannelTargetsConsumer {
    constructor(private readonly runtime: ConnectorRuntime) {}

    // Resolving commits: the pusher has recorded the targets as desired by then.
    @EventPattern(ChannelTargetsTopic.name, {
      groupId: groupOf,
      optionsFrom: (app) => channelTargetSubscription(channelOf(app)),
    } satisfies BusPatternExtras)
    targets(@Payload() batch: MessageBatch<typeof ChannelTargetsTopic>): Promise<void> {
      // The bus starts once the app has initialised, and the runtime sets the pusher up before then.
      if (!this.runtime.pusher) throw new RetryableHandlerError('the push path is not set up yet');
      return channelTargetHandler(this.runtime.pusher)(batch);
    }
  }

  @Controller()
  class FulfilmentConsumer {
    constructor(private readonly runtime: ConnectorRuntime) {}

    @EventPattern(OrderOutcomesTopic.name, {
      groupId: (app) => `${groupOf(app)}-fulfilment`,
      subscribeIf: (app) => cardVaultConfigured(app.get(ConnectorConfig)),
    } satisfies BusPatternExtras)
    outcomes(@Payload() batch: MessageBatch<typeof OrderOutcomesTopic>): Promise<void> {
      const deliverer = this.runtime.deliverer;
      if (!deliverer) throw new RetryableHandlerError('card-key delivery is not set up yet');
      return deliverer.onOutcomes(batch);
    }
  }

  /** The seller's answers to the channel's after-sales cases, decided on tickets in the API (stock.after-sales). */
  @Controller()
  class AfterSalesAnswersConsumer {
    constructor(
      private readonly runtime: ConnectorRuntime,
      @Inject(LOGGER) private readonly logger: Logger,
    ) {}

    @EventPattern(AfterSalesTopic.name, {
      groupId: (app) => `${groupOf(app)}-after-sales`,
      optionsFrom: (app) => channelTargetSubscription(channelOf(app)),
    } satisfies BusPatternExtras)
    answers(@Payload() batch: MessageBatch<typeof AfterSalesTopic>): Promise<void> {
      if (!this.runtime.adapter) throw new RetryableHandlerError('the platform adapter is not set up yet');
      return afterSalesAnswerHandler(this.runtime.adapter, this.logger)(batch);
    }
  }

  return [ChannelTargetsConsumer, FulfilmentConsumer, AfterSalesAnswersConsumer];
}
