import {
  inventoryDecider,
  InventoryCommand,
  InventoryEvent,
  InventoryState,
  ReasonCode,
  REJECTION_EVENT_TYPES,
} from '@libs/inventory';

/**
 * given / when / then over the inventory decider:
 *   given([...events]).when(command).then([...events])
 *   given([...events]).when(command).thenRejects('INSUFFICIENT_STOCK')
 *   given([...events]).when(command).thenNothing()
 * The state built from `given` is deep-frozen, so a decide or evolve that mutates its input fails.
 */
export function given(events: InventoryEvent[]) {
  const state = deepFreeze(stateFrom(events));
  return {
    state,
    when(command: InventoryCommand) {
      const produced = inventoryDecider.decide(command, state);
      return {
        events: produced,
        /** The state after the produced events. */
        get state(): InventoryState {
          return produced.reduce((s, e) => deepFreeze(inventoryDecider.evolve(s, e)), state);
        },
        then(expected: InventoryEvent[]): void {
          expect(produced).toEqual(expected);
        },
        thenRejects(reason: ReasonCode): void {
          expect(produced).toHaveLength(1);
          const [rejection] = produced;
          expect(REJECTION_EVENT_TYPES).toContain(rejection?.type);
          expect(rejection?.type === 'ReservationRejected' || rejection?.type === 'CommandRejected').toBe(
            true,
          );
          if (rejection?.type === 'ReservationRejected' || rejection?.type === 'CommandRejected') {
            expect(rejection.data.reason).toBe(reason);
          }
        },
        thenNothing(): void {
          expect(produced).toEqual([]);
        },
      };
    },
  };
}

export function stateFrom(events: InventoryEvent[]): InventoryState {
  return events.reduce((s, e) => deepFreeze(inventoryDecider.evolve(s, e)), inventoryDecider.initialState());
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
