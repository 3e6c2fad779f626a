import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { AlertsTopic, DeadLettersTopic, type MessageBatch } from '@libs/messaging';
import { fromAlertMessage, fromDeadLetter, Notifier } from '@libs/notifier';
import type { BusPatternExtras } from '@libs/runtime';
import { NotifierConfig } from './notifier.config';
import { NotifierLifecycle } from './notifier.providers';

/**
 * The notifier's inputs on the bus. Each batch is recorded in one transaction before it resolves (and its offsets
 * are committed); a redelivered batch finds its changes already applied and queues nothing.
 */
@Controller()
export class AlertConsumers {
  constructor(
    private readonly notifier: Notifier,
    private readonly lifecycle: NotifierLifecycle,
  ) {}

  @EventPattern(AlertsTopic.name, {
    groupId: (app) => app.get(NotifierConfig).consumerGroup,
    optionsFrom: (app) => ({ fromBeginning: app.get(NotifierConfig).fromBeginning }),
  } satisfies BusPatternExtras)
  async alerts(@Payload() batch: MessageBatch<typeof AlertsTopic>): Promise<void> {
    const queued = await this.notifier.record(
      batch.messages.map((m) => fromAlertMessage(m.envelope.type, m.envelope.payload)),
    );
    if (queued > 0) this.lifecycle.dispatchSoon();
  }

  /** One DEAD_LETTER alert per dead letter; its own group, so a slow receiver never holds up the alerts. */
  @EventPattern(DeadLettersTopic.name, {
    groupId: (app) => `${app.get(NotifierConfig).consumerGroup}-dead-letters`,
    optionsFrom: (app) => ({ fromBeginning: app.get(NotifierConfig).fromBeginning }),
  } satisfies BusPatternExtras)
  async deadLetters(@Payload() batch: MessageBatch<typeof DeadLettersTopic>): Promise<void> {
    const queued = await this.notifier.record(
      batch.messages.map((m) => fromDeadLetter(m.envelope.payload, m.envelope.occurredAt)),
    );
    if (queued > 0) this.lifecycle.dispatchSoon();
  }
}
