import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';
import { ReconciliationRun } from './reconciliation-run.entity';

/** One difference a run found on one channel listing (or in the truth check, channel `*`), and what was done. */
@Entity({ name: 'reconciliation_items', synchronize: false })
@Index('reconciliation_items_class_idx', ['runId', 'class'])
export class ReconciliationItem {
  @PrimaryColumn('bigint', { name: 'run_id', transformer: bigintAsNumber })
  runId!: number;

  @PrimaryColumn('text')
  channel!: string;

  @PrimaryColumn('text')
  sku!: string;

  /** A DifferenceClass of libs/reconciliation. */
  @PrimaryColumn('text')
  class!: string;

  @Column('integer', { nullable: true })
  listed!: number | null;

  @Column('integer', { nullable: true })
  target!: number | null;

  @Column('bigint', { name: 'target_version', nullable: true, transformer: bigintAsNumber })
  targetVersion!: number | null;

  @Column('text')
  action!: string;

  @Column('text', { nullable: true })
  note!: string | null;

  // Declared so that the entity describes the table's foreign key too (the name is PostgreSQL's default one).
  @ManyToOne(() => ReconciliationRun, { nullable: false })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'reconciliation_items_run_id_fkey' })
  run?: ReconciliationRun;
}
