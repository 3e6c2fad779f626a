import type { UnitStatus } from '@libs/inventory';
import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** How many card keys of one import batch are in each state. Loop keys count as units too. */
@Entity({ name: 'card_key_counts', synchronize: false })
@Check(
  'card_key_counts_state_check',
  `state IN ('available', 'allocated', 'delivered', 'redeemed', 'voided')`,
)
export class CardKeyCount {
  @PrimaryColumn('text')
  sku!: string;

  @PrimaryColumn('text', { name: 'batch_id' })
  batchId!: string;

  @PrimaryColumn('text')
  state!: UnitStatus;

  @Column('integer')
  count!: number;
}
