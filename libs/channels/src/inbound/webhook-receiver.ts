import { ChannelEventsTopic, encodeMessage, type MessageBus } from '@libs/messaging';
import { PeriodicTask } from '@libs/resilience';
import type { ChannelMetrics } from '../channel-metrics';
import { AfterSalesInbox, afterSalesMessageOf, type AfterSalesNotice } from './after-sales-notice';
import { checkNoticeBounds, DEFAULT_NOTICE_LIMITS, type NoticeLimits, readNoticeBody } from './notice-body';
import { NotificationInbox, type PublishEvents } from './notification-inbox';
import { channelEventsOf, NoticeFormatError, type NoticeParser } from './order-notice';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequest } from './webhook-signature';

export interface WebhookRequest {
  method: string;
  /** Path and query as on the request line. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface WebhookResponse {
  status: number;
  /** `reason`: a stable code for why a signed notice was refused (`IDENTIFIER.FORMAT_CHARACTER`, …). */
  body: { ok: boolean; result?: string; code?: string; reason?: string; message?: string };
}

export interface WebhookReceiverOptions {
  channel: string;
  /** Accepted signing secrets (more than one while rotating). Empty: every request is refused. */
  secrets: readonly string[];
  parse: NoticeParser;
  /** Hold for an unpaid order when the platform gives no expiry. */
  defaultHoldMs: number;
  windowSeconds?: number;
  /** Most units per SKU line and per order; a bigger notice is refused with 400. */
  limits?: NoticeLimits;
  /** How long a request has to publish the notice it recorded before the inbox relay may (default 30 s). */
  inboxClaimMs?: number;
}

/**
 * The inbound path without the HTTP framework: verify, parse, dedupe, translate, publish. 401 for anything
 * unsigned or stale (nothing emitted), 400 for a signed but unreadable notice, 503 when publishing failed (the
 * platform retries), 200 otherwise, duplicates included, so the platform stops redelivering.
 */
export class WebhookReceiver {
  private readonly inbox: NotificationInbox;
  private readonly afterSales: AfterSalesInbox;

  constructor(
    private readonly options: WebhookReceiverOptions,
    pool: ConstructorParameters<typeof NotificationInbox>[0],
    private readonly bus: MessageBus,
    private readonly metrics: ChannelMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.inbox = new NotificationInbox(pool, {
      claimMs: options.inboxClaimMs ?? 30_000,
      stages: metrics.stages,
    });
    this.afterSales = new AfterSalesInbox(pool, bus, options.channel);
  }

  private readonly publish: PublishEvents = (events) => this.bus.publish(ChannelEventsTopic, events);

  /**
   * Publishes recorded notices that are still pending after `olderThanMs` (their request failed, or the process
   * died between recording and publishing). Returns how many SKU rows were published.
   */
  relayPending(olderThanMs?: number): Promise<number> {
    return this.inbox.relayPending(this.options.channel, this.publish, olderThanMs);
  }

  private relay?: PeriodicTask;

  /**
   * Runs the relay shortly after start and then every `intervalMs` after the last run ended (0: once), one run at
   * a time. `onPublished` hears how many SKU rows a run published (only when some were), `onError` why a run
   * failed.
   */
  startRelay(
    intervalMs: number,
    onError: (err: unknown) => void,
    onPublished?: (rows: number) => void,
  ): void {
    void this.relay?.stop();
    this.relay = new PeriodicTask(
      async () => {
        const rows = await this.relayPending();
        if (rows > 0) onPublished?.(rows);
      },
      {
        intervalMs,
        // The first run waits a moment for the message bus to start with the app.
        firstDelayMs: Math.min(1_000, intervalMs || 1_000),
        repeat: intervalMs > 0,
        onError,
      },
    );
    this.relay.start();
  }

  /** No relay run starts after this; resolves once a run under way has finished (before the bus it publishes on stops). */
  stopRelay(): Promise<void> {
    return this.relay?.stop() ?? Promise.resolve();
  }

  async handle(request: WebhookRequest): Promise<WebhookResponse> {
    // The wall clock, not `now` (which tests may set back): the start of a payment's inbox stage.
    const receivedAtMs = Date.now();
    const channel = this.options.channel;
    if (this.options.secrets.length === 0) {
      this.metrics.notifications.inc({ channel, result: 'rejected' });
      return {
        status: 401,
        body: { ok: false, code: 'WEBHOOK.NOT_CONFIGURED', message: 'no webhook secret is configured' },
      };
    }
    const check = verifyRequest(
      this.options.secrets,
      {
        method: request.method,
        path: request.path,
        body: request.rawBody,
        timestampHeader: header(request.headers, TIMESTAMP_HEADER),
        signatureHeader: header(request.headers, SIGNATURE_HEADER),
      },
      this.now(),
      this.options.windowSeconds,
    );
    if (!check.ok) {
      this.metrics.notifications.inc({ channel, result: 'rejected' });
      return { status: 401, body: { ok: false, code: check.code, message: 'signature verification failed' } };
    }
    let notice;
    try {
      notice = this.options.parse(readNoticeBody(request.rawBody));
    } catch (err) {
      const known = err instanceof NoticeFormatError;
      return this.invalid(
        known ? err.reason : 'NOTICE.MALFORMED',
        known ? err.message : 'the body is not a notice',
      );
    }
    if ('ignored' in notice) {
      this.metrics.notifications.inc({ channel, result: 'ignored' });
      return { status: 200, body: { ok: true, result: 'ignored' } };
    }
    if ('afterSales' in notice) return this.acceptAfterSales(notice);
    const refusal = checkNoticeBounds(notice, this.options.limits ?? DEFAULT_NOTICE_LIMITS);
    if (refusal) return this.invalid(refusal.reason, refusal.message);
    const events = channelEventsOf({ ...notice, channel }, this.now(), this.options.defaultHoldMs);
    try {
      // Checked before the notice is recorded: a pending row the relay could never publish would be retried forever.
      for (const event of events) encodeMessage(ChannelEventsTopic, event, `connector-${channel}`);
    } catch (err) {
      return this.invalid('NOTICE.INVALID_MESSAGE', (err as Error).message);
    }
    try {
      const result = await this.inbox.accept({ ...notice, channel }, events, this.publish, receivedAtMs);
      this.metrics.notifications.inc({ channel, result });
      return { status: 200, body: { ok: true, result } };
    } catch (err) {
      this.metrics.notifications.inc({ channel, result: 'failed' });
      const code =
        (err as { code?: string }).code === 'MESSAGING.INVALID_MESSAGE'
          ? 'WEBHOOK.INVALID_NOTICE'
          : 'WEBHOOK.UNAVAILABLE';
      return code === 'WEBHOOK.INVALID_NOTICE'
        ? { status: 400, body: { ok: false, code, message: (err as Error).message } }
        : { status: 503, body: { ok: false, code, message: 'the notice could not be recorded; retry' } };
    }
  }

  /** An after-sales case: published on stock.after-sales once per case (AfterSalesInbox), for the API's tickets. */
  private async acceptAfterSales(notice: AfterSalesNotice): Promise<WebhookResponse> {
    const channel = this.options.channel;
    const message = afterSalesMessageOf(channel, notice, this.now());
    try {
      this.afterSales.check(message);
    } catch (err) {
      return this.invalid('NOTICE.INVALID_MESSAGE', (err as Error).message);
    }
    try {
      const result = await this.afterSales.accept(message);
      this.metrics.notifications.inc({ channel, result });
      return { status: 200, body: { ok: true, result } };
    } catch {
      this.metrics.notifications.inc({ channel, result: 'failed' });
      return {
        status: 503,
        body: { ok: false, code: 'WEBHOOK.UNAVAILABLE', message: 'the notice could not be recorded; retry' },
      };
    }
  }

  /** A body refused before it was read (413 too large, 415 content type, 400 cut off). */
  countRefusedBody(status: number): void {
    const result = status === 413 ? 'too_large' : status === 415 ? 'unsupported_type' : 'invalid';
    this.metrics.notifications.inc({ channel: this.options.channel, result });
  }

  private invalid(reason: string, message: string): WebhookResponse {
    this.metrics.notifications.inc({ channel: this.options.channel, result: 'invalid' });
    return { status: 400, body: { ok: false, code: 'WEBHOOK.INVALID_NOTICE', reason, message } };
  }
}

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
