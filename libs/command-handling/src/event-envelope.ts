import type { EventMetadata, EventToAppend } from '@libs/event-store';
import type { DomainEvent } from './decider';

/** Every event records the command that caused it, so a redelivery can be traced to its first outcome. */
export function toEventToAppend(
  event: DomainEvent,
  eventId: string,
  commandId: string | undefined,
  metadata: EventMetadata | undefined,
): EventToAppend {
  const causation =
    commandId === undefined ? {} : { commandId, causationId: metadata?.causationId ?? commandId };
  return { eventId, type: event.type, data: event.data, metadata: { ...metadata, ...causation } };
}
