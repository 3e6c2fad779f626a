import type { StockKind } from '@libs/inventory';
import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** Stock levels of one registered SKU at `version` (see README: sku_stock). */
@Entity({ name: 'sku_stock', synchronize: false })
@Check('sku_stock_kind_check', `kind IN ('quantity', 'cardKey', 'unlimited')`)
export class SkuStock {
  @PrimaryColumn('text')
  sku!: string;

  @Column('text')
  kind!: StockKind;

  @Column('integer')
  received!: number;

  @Column('integer')
  adjusted!: number;

  @Column('integer')
  delivered!: number;

  @Column('integer', { name: 'on_hand' })
  onHand!: number;

  @Column('integer')
  reserved!: number;

  @Column('integer', { name: 'held_in_pools' })
  heldInPools!: number;

  @Column('integer')
  available!: number;

  @Column('boolean')
  endless!: boolean;

  @Column('integer', { name: 'endless_reserved' })
  endlessReserved!: number;

  @Column('integer', { name: 'endless_delivered' })
  endlessDelivered!: number;

  @Column('integer', { name: 'low_stock_threshold', nullable: true })
  lowStockThreshold!: number | null;

  @Column('integer', { name: 'per_order_cap', nullable: true })
  perOrderCap!: number | null;

  @Column('bigint', { transformer: bigintAsNumber })
  version!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
