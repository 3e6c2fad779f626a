import { IsInt, IsString, Max, Min } from 'class-validator';
import { defineConfig } from '@libs/config';

export class InventoryServiceConfig {
  /** Consumers of one group share the channel-event partitions. */
  @IsString()
  consumerGroup!: string;

  /** How often unpaid reservations past their expiry are looked for. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  sweepIntervalMs!: number;

  /** A SKU's state is snapshotted every this many events (0: never). */
  @IsInt()
  @Min(0)
  snapshotEvery!: number;
}

export const inventoryServiceConfig = defineConfig('inventory', InventoryServiceConfig, {
  consumerGroup: { name: 'INVENTORY_CONSUMER_GROUP', default: 'inventory-service' },
  sweepIntervalMs: { name: 'RESERVATION_SWEEP_INTERVAL_MS', parse: 'int', default: '5000' },
  snapshotEvery: { name: 'SNAPSHOT_EVERY', parse: 'int', default: '1000' },
});
