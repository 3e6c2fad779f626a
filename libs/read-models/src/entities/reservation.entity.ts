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

  /** First payment (ReservationConfirmed); null before, and on rows projected before read-models migration 8. */
  @Column('timestamptz', { name: 'paid_at', nullable: true })
  paidAt!: Date | null;

  /** When the order first reached `delivered`. */
  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @Column('timestamptz', { name: 'refunded_at', nullable: true })
  refundedAt!: Date | null;

  /** The refund's note (refunds carry no reason code). */
  @Column('text', { name: 'refund_note', nullable: true })
  refundNote!: string | null;

  /** The supplier that fulfilled a forwarded order (SupplierForwardFulfilled). */
  @Column('text', { name: 'supplier_id', nullable: true })
  supplierId!: string | null;

  /** Sale observations from the order notice, where the platform sent them: fen paid per unit. */
  @Column('bigint', { name: 'unit_price', nullable: true, transformer: bigintAsNumber })
  unitPrice!: number | null;

  /** The platform's opaque buyer id. */
  @Column('text', { name: 'buyer_ref', nullable: true })
  buyerRef!: string | null;

  @Column('text', { name: 'buyer_level', nullable: true })
  buyerLevel!: string | null;

  @Column('text', { nullable: true })
  province!: string | null;

  @Column('text', { nullable: true })
  city!: string | null;

  /** The selling shop or 分站. */
  @Column('text', { nullable: true })
  shop!: string | null;

  /** An order rule's priority (1–100, higher first); null when no rule gave one. */
  @Column('smallint', { nullable: true })
  priority!: number | null;
}
