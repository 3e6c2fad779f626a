import { DataSource } from 'typeorm';
import { CardKeyCount } from './entities/card-key-count.entity';
import { ChannelStock } from './entities/channel-stock.entity';
import { ProjectionCheckpoint } from './entities/projection-checkpoint.entity';
import { ProjectionQuarantine } from './entities/projection-quarantine.entity';
import { ProjectionSkuState } from './entities/projection-sku-state.entity';
import { Reservation } from './entities/reservation.entity';
import { SkuStock } from './entities/sku-stock.entity';
import { StockAlert } from './entities/stock-alert.entity';
import { StockMovement } from './entities/stock-movement.entity';
import { TargetOutboxEntry } from './entities/target-outbox-entry.entity';

export const READ_MODEL_ENTITIES = [
  SkuStock,
  ChannelStock,
  Reservation,
  StockMovement,
  CardKeyCount,
  StockAlert,
  ProjectionCheckpoint,
  ProjectionSkuState,
  ProjectionQuarantine,
  TargetOutboxEntry,
];

export interface ReadModelDataSourceOptions {
  /** The embedded engine serialises every connection onto one backend: keep one connection. */
  embedded?: boolean;
  poolSize?: number;
}

/**
 * A TypeORM data source over the read models, for readers (api, reconciler, tools). The schema belongs to the
 * versioned migrations (`migrateReadModels`), never to TypeORM: synchronize and migrationsRun stay off.
 * Returned uninitialised; call `initialize()`.
 */
export function createReadModelDataSource(url: string, options: ReadModelDataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: READ_MODEL_ENTITIES,
    synchronize: false,
    migrationsRun: false,
    poolSize: options.embedded ? 1 : (options.poolSize ?? 10),
    applicationName: 'stocksync-read-models',
  });
}
