import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** A supplier of a supplier-backed SKU (货源), in priority order, with what it last reported. Prices in fen. */
@Entity({ name: 'sku_suppliers', synchronize: false })
@Index('sku_suppliers_product_idx', ['supplierId', 'productId'])
export class SkuSupplier {
  @PrimaryColumn('text')
  sku!: string;

  @PrimaryColumn('text', { name: 'supplier_id' })
  supplierId!: string;

  @Column('text', { name: 'product_id' })
  productId!: string;

  /** 0 is tried first. */
  @Column('integer')
  priority!: number;

  /** Null: the supplier reports no limit (a top-up). */
  @Column('bigint', { transformer: bigintAsNumber, nullable: true })
  stock!: number | null;

  @Column('boolean', { name: 'on_sale' })
  onSale!: boolean;

  @Column('bigint', { transformer: bigintAsNumber, name: 'supply_price', nullable: true })
  supplyPrice!: number | null;

  /** The supplier's time of its last report; null before the first. */
  @Column('timestamptz', { name: 'observed_at', nullable: true })
  observedAt!: Date | null;

  /** Units our orders took from it since that report. */
  @Column('bigint', { transformer: bigintAsNumber, name: 'taken_since_report' })
  takenSinceReport!: number;

  @Column('bigint', { transformer: bigintAsNumber })
  version!: number;
}
