export { readModelMigrations, migrateReadModels, READ_MODEL_TABLES } from './read-model.migrations';
export {
  createReadModelDataSource,
  READ_MODEL_ENTITIES,
  type ReadModelDataSourceOptions,
} from './data-source';
export { bigintAsNumber, bigintToNumber, readModelTypes } from './entities/column-types';
export { SkuStock } from './entities/sku-stock.entity';
export { ChannelStock } from './entities/channel-stock.entity';
export { Reservation } from './entities/reservation.entity';
export { StockMovement } from './entities/stock-movement.entity';
export { CardKeyCount } from './entities/card-key-count.entity';
export { StockAlert } from './entities/stock-alert.entity';
export { ProjectionCheckpoint } from './entities/projection-checkpoint.entity';
export { ProjectionSkuState } from './entities/projection-sku-state.entity';
export { ProjectionQuarantine } from './entities/projection-quarantine.entity';
export { TargetOutboxEntry } from './entities/target-outbox-entry.entity';
