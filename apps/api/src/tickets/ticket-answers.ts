import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EVENT_ID_NAMESPACE, uuidV5 } from '@libs/command-handling';
import { AfterSalesTopic, MessageBus } from '@libs/messaging';
import { LOGGER } from '@libs/observability';
import { PeriodicTask } from '@libs/resilience';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

/** How often answers left pending (a broker that was away) are published again. */
const RELAY_INTERVAL_MS = 5_000;
const BATCH = 100;

interface PendingAnswer {
  id: string;
  channel: string;
  channel_order_id: string;
  platform_case_id: string;
  state: 'resolved' | 'rejected';
  resolution: string | null;
  actor: string;
}

/**
 * Sends a closed platform ticket's answer to the platform, through its connector (the only caller of the
 * platform): `after-sales.answered` on stock.after-sales. The ticket row is the outbox — the transaction that closes
 * the ticket marks it `answer_pending` — so an answer is never lost when the broker is away, only late. Two API
 * instances may both publish one answer; the message id is the ticket's, and the shop's answer call is idempotent
 * per case.
 */
@Injectable()
export class TicketAnswers implements OnModuleInit, BeforeApplicationShutdown {
  private readonly relay: PeriodicTask;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly bus: MessageBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.relay = new PeriodicTask(() => this.publishPending(), {
      intervalMs: RELAY_INTERVAL_MS,
      onError: (err) =>
        this.logger.warn({ err: (err as Error).message }, 'after-sales answers not published; retrying'),
    });
  }

  onModuleInit(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  /** Publishes every pending answer (oldest first, in batches); returns how many were published. */
  async publishPending(): Promise<number> {
    let published = 0;
    for (;;) {
      const { rows } = await this.pool.query<PendingAnswer>(
        `SELECT t.id, t.channel, t.channel_order_id, t.platform_case_id, t.state, t.resolution,
                (SELECT e.actor FROM ticket_events e WHERE e.ticket_id = t.id ORDER BY e.seq DESC LIMIT 1) AS actor
           FROM tickets t
          WHERE t.answer_pending
          ORDER BY t.updated_at
          LIMIT $1`,
        [BATCH],
      );
      if (rows.length === 0) return published;
      await this.bus.publish(
        AfterSalesTopic,
        rows.map((r) => ({
          type: 'after-sales.answered' as const,
          eventId: uuidV5(`ticket-answer:${r.id}`, EVENT_ID_NAMESPACE),
          payload: {
            channel: r.channel,
            channelOrderId: r.channel_order_id,
            platformCaseId: r.platform_case_id,
            ticketId: r.id,
            answer: r.state === 'resolved' ? ('accepted' as const) : ('refused' as const),
            note: r.resolution ?? '',
            actor: r.actor,
          },
        })),
      );
      await this.pool.query(
        'UPDATE tickets SET answer_pending = false, answer_sent_at = now() WHERE id = ANY($1::text[])',
        [rows.map((r) => r.id)],
      );
      published += rows.length;
      if (rows.length < BATCH) return published;
    }
  }
}
