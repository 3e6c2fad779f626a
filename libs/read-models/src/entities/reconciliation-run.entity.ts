import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/**
 * One reconciliation run (written by the reconciler; migrations: libs/reconciliation, component `reconciliation`).
 * `status` is `running`, then `finished` or `failed`; `trigger` says who started it (the schedule, an operator).
 */
@Entity({ name: 'reconciliation_runs', synchronize: false })
export class ReconciliationRun {
  // Run ids stay below 2^53, so they are exact as numbers.
  @PrimaryColumn('bigint', {
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    transformer: bigintAsNumber,
  })
  id!: number;

  @Column('text')
  trigger!: string;

  @Column('text')
  status!: string;

  @Column('timestamptz', { name: 'started_at', default: () => 'now()' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  @Column('integer', { name: 'listings_checked', default: 0 })
  listingsChecked!: number;

  @Column('integer', { name: 'skus_checked', default: 0 })
  skusChecked!: number;

  @Column('integer', { default: 0 })
  differences!: number;

  @Column('integer', { default: 0 })
  corrections!: number;

  @Column('text', { nullable: true })
  error!: string | null;
}
