import { IsInt, IsString, Max, Min } from 'class-validator';
import { defineConfig } from '@libs/config';

export class InventoryServiceConfig {
  /** Consumers of one group share the channel-event partitions. */
  @IsString()
  consumerGroup!: string;

  /** How often the owner looks at its reservation clock for unpaid reservations past their expiry. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  sweepIntervalMs!: number;

  /** How often the read models are searched for reservations the owners missed (after a restart or rebalance). */
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  catchUpIntervalMs!: number;

  /** How far past its expiry a reservation must be before that search asks its owner again. */
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  catchUpGraceMs!: number;

  /**
   * How long a settled order stays in its SKU's state before the books close on it: longer than any platform
   * re-sends a notice. Older orders are still answered right (read back from the stream), at the cost of a lookup.
   */
  @IsInt()
  @Min(86_400_000)
  @Max(31_536_000_000)
  booksHorizonMs!: number;

  /** How often the owner looks through its SKUs for books worth closing. */
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  booksCloseIntervalMs!: number;

  /** A SKU's books close once at least this many of its orders are past the horizon. */
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  booksMinClosable!: number;

  /** How often the order rules in force are read again (a change applies within this long). */
  @IsInt()
  @Min(200)
  @Max(600_000)
  orderRulesRefreshMs!: number;

  /** A SKU's state is snapshotted every this many events (0: never). */
  @IsInt()
  @Min(0)
  snapshotEvery!: number;
}

export const inventoryServiceConfig = defineConfig('inventory', InventoryServiceConfig, {
  consumerGroup: { name: 'INVENTORY_CONSUMER_GROUP', default: 'inventory-service' },
  sweepIntervalMs: { name: 'RESERVATION_SWEEP_INTERVAL_MS', parse: 'int', default: '1000' },
  catchUpIntervalMs: { name: 'RESERVATION_CATCH_UP_INTERVAL_MS', parse: 'int', default: '60000' },
  catchUpGraceMs: { name: 'RESERVATION_CATCH_UP_GRACE_MS', parse: 'int', default: '30000' },
  snapshotEvery: { name: 'SNAPSHOT_EVERY', parse: 'int', default: '1000' },
  orderRulesRefreshMs: { name: 'ORDER_RULES_REFRESH_MS', parse: 'int', default: '2000' },
  booksHorizonMs: { name: 'BOOKS_HORIZON_MS', parse: 'int', default: '2592000000' },
  booksCloseIntervalMs: { name: 'BOOKS_CLOSE_INTERVAL_MS', parse: 'int', default: '600000' },
  booksMinClosable: { name: 'BOOKS_MIN_CLOSABLE', parse: 'int', default: '1000' },
});
