import type { InventoryState } from '@libs/inventory';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/**
 * The projector's fold of one SKU stream. `version` is the last projected event; `state` is the decider state
 * at `state_version` (saved at fixed multiples of the version, null before the first), the rest is replayed.
 */
@Entity({ name: 'projection_sku_state', synchronize: false })
export class ProjectionSkuState {
  @PrimaryColumn('text')
  sku!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  version!: number;

  @Column('bigint', { name: 'state_version', transformer: bigintAsNumber })
  stateVersion!: number;

  @Column('jsonb', { nullable: true })
  state!: InventoryState | null;
}
