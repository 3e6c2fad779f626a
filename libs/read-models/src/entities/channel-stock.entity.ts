import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/**
 * Per channel and SKU: the target announced to the connectors. The last_pushed* and last_acked* columns are never
 * written (the connectors keep their push state in channel_push_state, which the API and the analyst view read);
 * they stay so that the schema does not change.
 */
@Entity({ name: 'channel_stock', synchronize: false })
@Index('channel_stock_sku_idx', ['sku'])
export class ChannelStock {
  @PrimaryColumn('text')
  channel!: string;

  @PrimaryColumn('text')
  sku!: string;

  @Column('bigint', { transformer: bigintAsNumber, nullable: true })
  target!: number | null;

  @Column('bigint', { name: 'target_version', nullable: true, transformer: bigintAsNumber })
  targetVersion!: number | null;

  @Column('timestamptz', { name: 'target_published_at', nullable: true })
  targetPublishedAt!: Date | null;

  /** The selling price (fen) published with the target; null when no price rule names one for the channel. */
  @Column('bigint', { transformer: bigintAsNumber, nullable: true })
  price!: number | null;

  @Column('bigint', { transformer: bigintAsNumber, name: 'last_pushed', nullable: true })
  lastPushed!: number | null;

  @Column('bigint', { name: 'last_pushed_version', nullable: true, transformer: bigintAsNumber })
  lastPushedVersion!: number | null;

  @Column('timestamptz', { name: 'last_pushed_at', nullable: true })
  lastPushedAt!: Date | null;

  @Column('bigint', { transformer: bigintAsNumber, name: 'last_acked', nullable: true })
  lastAcked!: number | null;

  @Column('bigint', { name: 'last_acked_version', nullable: true, transformer: bigintAsNumber })
  lastAckedVersion!: number | null;

  @Column('timestamptz', { name: 'last_acked_at', nullable: true })
  lastAckedAt!: Date | null;
}
