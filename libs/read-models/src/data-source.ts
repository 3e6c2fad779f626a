import type { Pool } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { CardKeyCount } from './entities/card-key-count.entity';
import { ChannelStock } from './entities/channel-stock.entity';
import { ProjectionCheckpoint } from './entities/projection-checkpoint.entity';
import { ProjectionQuarantine } from './entities/projection-quarantine.entity';
import { ProjectionSkuState } from './entities/projection-sku-state.entity';
import { ReconciliationItem } from './entities/reconciliation-item.entity';
import { ReconciliationRun } from './entities/reconciliation-run.entity';
import { Reservation } from './entities/reservation.entity';
import { SkuStock } from './entities/sku-stock.entity';
import { SkuSupplier } from './entities/sku-supplier.entity';
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
  ReconciliationRun,
  ReconciliationItem,
  SkuSupplier,
];

/**
 * What TypeORM's postgres driver takes for the `pg` module, with `Pool` answering the app's own pool. TypeORM then
 * reads through the connections, size and timeouts the app configured (DATABASE_*), and in embedded mode through
 * the one connection PGlite allows. The pool stays its owner's: TypeORM ending it is a no-op, the owner ends it.
 */
function pgOver(pool: Pool) {
  const borrowed = {
    connect: pool.connect.bind(pool),
    query: pool.query.bind(pool),
    // The owner already listens for errors of idle clients; a second listener per data source would only pile up.
    on: () => borrowed,
    end: (done?: (error?: Error) => void) => {
      done?.();
      return Promise.resolve();
    },
  };
  return {
    Pool: function BorrowedPool() {
      return borrowed;
    },
  };
}

/**
 * TypeORM options for reading the read models over an existing pool (`new DataSource(...)`, or
 * `TypeOrmModule.forRootAsync`). The schema belongs to the versioned migrations (`migrateReadModels`, and
 * libs/reconciliation's for the reconciliation tables), never to TypeORM: synchronize and migrationsRun stay off.
 */
export function readModelDataSourceOptions(pool: Pool): DataSourceOptions {
  return {
    type: 'postgres',
    driver: pgOver(pool),
    entities: READ_MODEL_ENTITIES,
    synchronize: false,
    migrationsRun: false,
    // TypeORM would otherwise try CREATE EXTENSION "uuid-ossp" on connecting (stock_movements has a uuid column):
    // a reader must not change the database, and nothing here generates uuids.
    installExtensions: false,
    // An optional filter left out (undefined) means no condition on that column; a null is refused, so that a
    // value gone missing never widens a query silently (IsNull() asks for SQL NULL).
    invalidWhereValuesBehavior: { undefined: 'ignore', null: 'throw' },
  };
}
