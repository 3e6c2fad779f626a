import type { InventoryState } from '@libs/inventory';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/**
 * The projector's fold of one SKU stream. `version` is the last projected event; `state` is the decider state
 * at `state_version` (saved at points spaced out as the stream grows; null before the first); the events after it
 * are replayed from the store when the state is loaded.
 */
@Entity({ name: 'projection_sku_state', synchronize: false })
export class ProjectionSkuState {
  @PrimaryColumn('text')
  sku!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  version!: number;

  @Column('bigint', { name: 'state_version', transformer: bigintAsNumber })
  stateVersion!: number;

  @Column('json', { nullable: true })
  state!: InventoryState | null;
}
