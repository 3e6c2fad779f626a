import type { Role } from './types';

/**
 * Which roles may do what, as the API's routes declare it (@Roles on each controller; admin may do everything).
 * The console only hides what a role may not do: the API refuses it anyway.
 */
const WRITERS = {
  manageSkus: ['inventory-admin'],
  importCardKeys: ['inventory-admin'],
  importCatalogue: ['inventory-admin'],
  syncCatalogue: ['inventory-admin'],
  runReconciliation: ['inventory-admin'],
  retryProjection: ['inventory-admin'],
  replayDeadLetter: ['inventory-admin'],
  refundOrder: ['inventory-admin'],
  deliverOrder: ['order-operator', 'inventory-admin'],
  handleTickets: ['order-operator', 'inventory-admin'],
  manageApiKeys: [],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof WRITERS;

export function may(role: Role, action: Action): boolean {
  return role === 'admin' || (WRITERS[action] as readonly Role[]).includes(role);
}
