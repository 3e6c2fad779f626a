import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** A channel target waiting to be (or already) published on stock.channel-targets. */
@Entity({ name: 'target_outbox', synchronize: false })
@Index('target_outbox_pending_idx', ['id'], { where: 'published_at IS NULL AND rejected_reason IS NULL' })
export class TargetOutboxEntry {
  @PrimaryColumn('bigint', {
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    transformer: bigintAsNumber,
  })
  id!: number;

  @Column('text')
  channel!: string;

  @Column('text')
  sku!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  quantity!: number;

  /** The channel's selling price in fen, when the SKU has a price rule for it; null otherwise. */
  @Column('bigint', { transformer: bigintAsNumber, nullable: true })
  price!: number | null;

  @Column('bigint', { transformer: bigintAsNumber })
  version!: number;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  @Column('text', { name: 'rejected_reason', nullable: true })
  rejectedReason!: string | null;
}
