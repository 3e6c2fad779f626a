import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** Where a projection is in the event store's global order (transaction id, position). */
@Entity({ name: 'projection_checkpoints', synchronize: false })
export class ProjectionCheckpoint {
  @PrimaryColumn('text')
  name!: string;

  @Column('bigint', { name: 'transaction_id', transformer: bigintAsNumber })
  transactionId!: number;

  @Column('bigint', { name: 'global_position', transformer: bigintAsNumber })
  globalPosition!: number;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}
