import type { Pool } from 'pg';
import type { OrderNotice } from './order-notice';

export type InboxResult = 'emitted' | 'duplicate';

/**
 * Dedupe of (platform, order id, status) in channel_notifications. The row is inserted and the events published
 * inside one transaction: a concurrent duplicate waits on the row's key and then sees it, and a failed publish
 * rolls the row back so the platform's redelivery tries again instead of being swallowed as a duplicate.
 */
export class NotificationInbox {
  constructor(private readonly pool: Pool) {}

  async accept(notice: OrderNotice, publish: () => Promise<unknown>): Promise<InboxResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const inserted = await client.query(
        `INSERT INTO channel_notifications (channel, order_id, status) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [notice.channel, notice.orderId, notice.status],
      );
      if (inserted.rowCount === 0) {
        await client.query('COMMIT');
        return 'duplicate';
      }
      await publish();
      await client.query('COMMIT');
      return 'emitted';
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
