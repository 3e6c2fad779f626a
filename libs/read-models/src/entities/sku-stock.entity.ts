import type { StockKind } from '@libs/inventory';
import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** Stock levels of one registered SKU at `version` (see README: sku_stock). */
@Entity({ name: 'sku_stock', synchronize: false })
@Check('sku_stock_kind_check', `kind IN ('quantity', 'cardKey', 'unlimited', 'supplier')`)
export class SkuStock {
  @PrimaryColumn('text')
  sku!: string;

  @Column('text')
  kind!: StockKind;

  @Column('bigint', { transformer: bigintAsNumber })
  received!: number;

  @Column('bigint', { transformer: bigintAsNumber })
  adjusted!: number;

  @Column('bigint', { transformer: bigintAsNumber })
  delivered!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'on_hand' })
  onHand!: number;

  @Column('bigint', { transformer: bigintAsNumber })
  reserved!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'held_in_pools' })
  heldInPools!: number;

  @Column('bigint', { transformer: bigintAsNumber })
  available!: number;

  @Column('boolean')
  endless!: boolean;

  @Column('bigint', { transformer: bigintAsNumber, name: 'endless_reserved' })
  endlessReserved!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'endless_delivered' })
  endlessDelivered!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'low_stock_threshold', nullable: true })
  lowStockThreshold!: number | null;

  @Column('bigint', { transformer: bigintAsNumber, name: 'per_order_cap', nullable: true })
  perOrderCap!: number | null;

  @Column('bigint', { transformer: bigintAsNumber })
  version!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
