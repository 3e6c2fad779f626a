import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** The latest low-stock alert of a SKU (库存预警); `open` while it is raised. */
@Entity({ name: 'stock_alerts', synchronize: false })
export class StockAlert {
  @PrimaryColumn('text')
  sku!: string;

  @Column('text')
  kind!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  threshold!: number;

  @Column('bigint', { transformer: bigintAsNumber, name: 'on_hand' })
  onHand!: number;

  @Column('timestamptz', { name: 'raised_at' })
  raisedAt!: Date;

  @Column('timestamptz', { name: 'cleared_at', nullable: true })
  clearedAt!: Date | null;

  @Column('boolean')
  open!: boolean;
}
