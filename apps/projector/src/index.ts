// What the one-process engine and tools wire by hand; the Nest app uses ProjectorModule.
export {
  Projector,
  CheckpointMovedError,
  DEFAULT_PROJECTION_NAME,
  type ProjectorOptions,
  type RebuildResult,
} from './projector';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export { ProjectorMetrics } from './projector.metrics';
export { OutboxRelayMetrics } from './outbox-relay.metrics';
export { ProjectionGapError } from './projection/sku-batch-fold';
export { ProjectorModule } from './projector.module';
