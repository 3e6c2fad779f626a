import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** One row per stock-changing event; `id` is the event's global position in the event store. */
@Entity({ name: 'stock_movements', synchronize: false })
@Unique('stock_movements_event_id_key', ['eventId'])
@Unique('stock_movements_sku_version_key', ['sku', 'version'])
@Index('stock_movements_occurred_at_idx', ['occurredAt'])
export class StockMovement {
  @PrimaryColumn('bigint', { transformer: bigintAsNumber })
  id!: number;

  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text')
  sku!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  version!: number;

  @Column('text', { name: 'event_type' })
  eventType!: string;

  @Column('text', { nullable: true })
  channel!: string | null;

  @Column('text', { name: 'channel_order_id', nullable: true })
  channelOrderId!: string | null;

  @Column('bigint', { transformer: bigintAsNumber })
  quantity!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'delta_on_hand' })
  deltaOnHand!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'delta_reserved' })
  deltaReserved!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'delta_held_in_pools' })
  deltaHeldInPools!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'delta_available' })
  deltaAvailable!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'on_hand_after' })
  onHandAfter!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'available_after' })
  availableAfter!: number;

  @Column('text', { nullable: true })
  reason!: string | null;

  @Column('text', { nullable: true })
  ref!: string | null;

  @Column('text', { nullable: true })
  note!: string | null;

  @Column('text', { nullable: true })
  actor!: string | null;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;
}
