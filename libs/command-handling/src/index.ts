export * from './decider';
export * from './errors';
export * from './options';
export { deterministicEventId, uuidV5, EVENT_ID_NAMESPACE } from './deterministic-event-id';
export { loadStreamState, crossesSnapshotBoundary, storedOutcome, type StreamState } from './stream-state';
export { retryOnVersionConflict } from './conflict-retry';
export { CommandHandler, type CommandResult, type HandleOptions } from './command-handler';
export {
  BatchCommandHandler,
  type BatchCommand,
  type BatchItemResult,
  type BatchItemStatus,
  type BatchResult,
} from './batch-command-handler';
export { StreamStateCache } from './stream-state-cache';
