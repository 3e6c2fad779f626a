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
});
