import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { runMigrations } from '@libs/database';
import { type DiversionRule, diversionMigrations, type ObservedOrder } from '@libs/diversion';
import { AlertPublisher, type ChannelEventsTopic, MessageBus, type ReceivedMessage } from '@libs/messaging';
import { LOGGER, MetricsRegistry } from '@libs/observability';
import { PeriodicTask } from '@libs/resilience';
import { PG_POOL } from '@libs/runtime';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { DiversionConfig } from './diversion.config';
import { DiversionEngine, loadRules } from './diversion-engine';
import { DiversionMetrics } from './diversion.metrics';

const DAY_MS = 86_400_000;

/** An order.placed notice as the engine reads it; anything else on the topic is not its business. */
export function observedOrderOf(m: ReceivedMessage<typeof ChannelEventsTopic>): ObservedOrder | undefined {
  const e = m.envelope;
  if (e.type !== 'order.placed') return undefined;
  const p = e.payload;
  const at = new Date(e.occurredAt);
  if (Number.isNaN(at.getTime())) return undefined;
  const s = p.sale ?? {};
  return {
    eventId: e.eventId,
    channel: p.channel,
    orderId: p.channelOrderId,
    sku: p.sku,
    quantity: p.lines.reduce((n, l) => n + l.quantity, 0),
    at,
    ...(s.unitPrice !== undefined ? { unitPrice: s.unitPrice } : {}),
    ...(s.province !== undefined ? { province: s.province } : {}),
    ...(s.city !== undefined ? { city: s.city } : {}),
    ...(s.buyerRef !== undefined ? { buyerRef: s.buyerRef } : {}),
    ...(s.ip !== undefined ? { ip: s.ip } : {}),
    ...(s.shop !== undefined ? { shop: s.shop } : {}),
  };
}

/**
 * The 串货 rule engine: rules read from diversion_rules every DIVERSION_RULES_REFRESH_MS, each batch of order
 * notices evaluated in one transaction (DiversionEngine), new alerts published right after it commits and again
 * periodically until they are on stock.alerts, and the trace deleted after DIVERSION_RETENTION_DAYS.
 */
@Injectable()
export class DiversionService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  readonly engine: DiversionEngine;
  readonly metrics: DiversionMetrics;
  private readonly sink: AlertPublisher;
  private rules: DiversionRule[] = [];
  private loaded = false;
  private readonly refresh: PeriodicTask;
  private readonly publisher: PeriodicTask;
  private readonly purge: PeriodicTask;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    bus: MessageBus,
    private readonly config: DiversionConfig,
    metrics: MetricsRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.engine = new DiversionEngine(pool);
    this.metrics = new DiversionMetrics(metrics.registry, pool);
    this.sink = new AlertPublisher(bus);
    const onError = (what: string) => (err: unknown) =>
      this.logger.warn({ err: (err as Error).message }, `diversion ${what} failed; it runs again`);
    this.refresh = new PeriodicTask(() => this.loadRules(), {
      intervalMs: config.rulesRefreshMs,
      onError: onError('rule read'),
    });
    this.publisher = new PeriodicTask(() => this.publishAndResolve(), {
      intervalMs: 5_000,
      onError: onError('alert publish'),
    });
    this.purge = new PeriodicTask(() => this.engine.purge(config.retentionDays * DAY_MS), {
      intervalMs: 3_600_000,
      firstDelayMs: 60_000,
      onError: onError('purge'),
    });
  }

  async onModuleInit(): Promise<void> {
    await runMigrations(this.pool, diversionMigrations);
  }

  onApplicationBootstrap(): void {
    if (!this.config.enabled) return;
    this.refresh.start();
    this.publisher.start();
    this.purge.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.refresh.stop(), this.publisher.stop(), this.purge.stop()]);
  }

  async loadRules(): Promise<DiversionRule[]> {
    try {
      this.rules = await loadRulesFrom(this.pool, this.logger);
      this.loaded = true;
      this.metrics.rules.set(this.rules.length);
      this.metrics.ruleLoads.inc({ result: 'ok' });
    } catch (err) {
      this.metrics.ruleLoads.inc({ result: 'failed' });
      throw err;
    }
    return this.rules;
  }

  /**
   * One partition batch of stock.channel-events. A database or broker error throws (the batch is delivered again
   * and finds its notices recorded); nothing in a notice can make it throw, so bad input never stalls the group.
   */
  async handle(messages: readonly ReceivedMessage<typeof ChannelEventsTopic>[]): Promise<void> {
    const orders = messages.map(observedOrderOf).filter((o): o is ObservedOrder => o !== undefined);
    if (orders.length === 0) return;
    // Before the first read of the rules nothing can be judged: read them now rather than count orders unjudged.
    if (!this.loaded) await this.loadRules();
    const stop = this.metrics.batchSeconds.startTimer();
    const outcome = await this.engine.processBatch(orders, this.rules);
    stop();
    this.metrics.orders.inc({ result: 'evaluated' }, outcome.fresh);
    this.metrics.orders.inc({ result: 'duplicate' }, orders.length - outcome.fresh);
    for (const [type, n] of Object.entries(outcome.byType)) this.metrics.violations.inc({ type }, n);
    if (outcome.alertsOpened > 0) this.metrics.alerts.inc({ change: 'opened' }, outcome.alertsOpened);
    // Published after the commit; a broker away throws, and the redelivered batch publishes what is left.
    await this.publish();
  }

  private async publish(): Promise<void> {
    const n = await this.engine.publishPending(this.sink);
    if (n > 0) this.metrics.alerts.inc({ change: 'published' }, n);
  }

  private async publishAndResolve(): Promise<void> {
    await this.publish();
    const ended = await this.engine.resolveEnded(this.sink);
    if (ended > 0) this.metrics.alerts.inc({ change: 'resolved' }, ended);
  }
}

function loadRulesFrom(pool: Pool, logger: Logger): Promise<DiversionRule[]> {
  return loadRules(pool, (id, problems) =>
    logger.warn({ rule: id, problems }, 'diversion rule skipped: invalid definition'),
  );
}
