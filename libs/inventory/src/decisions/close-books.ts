import { closableCount, MIN_BOOKS_HORIZON_MS } from '../close-books';
import { CloseBooks } from '../inventory-commands';
import { BooksClosed, InventoryEvent } from '../inventory-events';
import { InventoryState } from '../inventory-state';
import { contextOf, isInstant, preconditionFailure, rejectCommand } from './decision-helpers';

/** Closes the books on the orders settled before `before`; nothing to close is a silent no-op. */
export function decideCloseBooks(command: CloseBooks, state: InventoryState): InventoryEvent[] {
  const failure = preconditionFailure(command, state);
  if (failure !== null) return rejectCommand(command, failure);
  const { before, now } = command.data;
  if (!isInstant(before) || before > now - MIN_BOOKS_HORIZON_MS)
    return rejectCommand(command, 'INVALID_TIME');
  const closed = closableCount(state, before);
  if (closed === 0) return [];
  const event: BooksClosed = { type: 'BooksClosed', data: { before, closed, ...contextOf(command) } };
  return [event];
}
