import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/**
 * A SKU the projector set aside: it met an event of that SKU it cannot project (see `reasonCode`), kept projecting
 * every other SKU, and skips this one's events until a retry rebuilds it from its stream.
 */
@Entity({ name: 'projection_quarantine', synchronize: false })
@Index('projection_quarantine_retry_idx', ['retryRequestedAt'], { where: 'retry_requested_at IS NOT NULL' })
export class ProjectionQuarantine {
  @PrimaryColumn('text')
  sku!: string;

  /** Stream version of the event that could not be projected. */
  @Column('bigint', { transformer: bigintAsNumber })
  version!: number;

  @Column('bigint', { name: 'global_position', transformer: bigintAsNumber })
  globalPosition!: number;

  @Column('text', { name: 'event_id' })
  eventId!: string;

  @Column('text', { name: 'event_type' })
  eventType!: string;

  @Column('text', { name: 'reason_code' })
  reasonCode!: string;

  @Column('text')
  reason!: string;

  @Column('timestamptz', { name: 'first_failed_at', default: () => 'now()' })
  firstFailedAt!: Date;

  @Column('timestamptz', { name: 'last_failed_at', default: () => 'now()' })
  lastFailedAt!: Date;

  @Column('integer', { default: 1 })
  attempts!: number;

  /** Events of the SKU passed over since (the checkpoint moved on); a retry projects them from the stream. */
  @Column('bigint', { name: 'skipped_events', default: 0, transformer: bigintAsNumber })
  skippedEvents!: number;

  @Column('timestamptz', { name: 'retry_requested_at', nullable: true })
  retryRequestedAt!: Date | null;

  @Column('text', { name: 'retry_requested_by', nullable: true })
  retryRequestedBy!: string | null;
}
