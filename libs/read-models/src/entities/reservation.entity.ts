import type { OrderStatus } from '@libs/inventory';
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/**
 * The answer to one order line on one SKU: reserved, then confirmed (paid) and delivered, or released/expired/rejected;
 * a paid order may be refunded, or wait for its keys (awaiting-keys: manual delivery).
 */
@Entity({ name: 'reservations', synchronize: false })
@Index('reservations_open_expiry_idx', ['expiresAt', 'sku'], { where: `status = 'reserved'` })
@Index('reservations_sku_idx', ['sku'])
@Index('reservations_forwarding_idx', ['updatedAt'], { where: `status = 'forwarding'` })
@Check(
  'reservations_status_check',
  `status IN ('reserved', 'confirmed', 'delivered', 'released', 'expired', 'rejected', 'refunded', 'awaiting-keys', 'forwarding')`,
)
export class Reservation {
  @PrimaryColumn('text')
  channel!: string;

  @PrimaryColumn('text', { name: 'channel_order_id' })
  channelOrderId!: string;

  @PrimaryColumn('text')
  sku!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  quantity!: number;

  @Column('text')
  status!: OrderStatus;

  @Column('text', { nullable: true })
  reason!: string | null;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  @Column('text', { name: 'allocated_unit_ids', array: true })
  allocatedUnitIds!: string[];

  @Column('text', { name: 'loop_unit_ids', array: true })
  loopUnitIds!: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('bigint', { name: 'updated_version', transformer: bigintAsNumber })
  updatedVersion!: number;
}
