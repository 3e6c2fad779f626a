import {
  START_CHECKPOINT,
  WakeSignal,
  type EventStore,
  type GlobalCheckpoint,
  type RecordedEvent,
  type Subscription,
} from '@libs/event-store';
import { migrateReadModels, READ_MODEL_TABLES } from '@libs/read-models';
import type { Pool, PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { eventsBySku, projectBatch } from './projection/batch-projection';
import { ProjectedSkuLoader } from './persistence/projected-sku-loader';
import {
  deleteCheckpoint,
  lockProjection,
  readCheckpoint,
  sameCheckpoint,
  saveCheckpoint,
} from './persistence/projection-checkpoints';
import { writeReadModelChanges } from './persistence/read-model-writer';
import { ProjectorMetrics } from './projector.metrics';

export const DEFAULT_PROJECTION_NAME = 'inventory-read-models';

export interface ProjectorOptions {
  /** The checkpoint row's name. */
  name?: string;
  /** Events per delivered batch, one transaction each; default 500. */
  batchSize?: number;
  /** How often to look for new events when caught up; default 100 ms (in-process appends wake it at once). */
  pollIntervalMs?: number;
  /** First delay after a failed batch, doubled per failure up to 30 s; default 200 ms. */
  retryDelayMs?: number;
  /** The decider state is stored at every multiple of this version; default 1000. */
  stateSaveEvery?: number;
  /** SKU states kept in memory between batches; default 10,000. */
  cachedSkus?: number;
  metrics?: ProjectorMetrics;
  /** Told about every failed batch before it is delivered again. */
  onError?(error: unknown, consecutiveFailures: number): void;
}

export interface RebuildResult {
  events: number;
  seconds: number;
}

/**
 * Another writer (a second projector instance, or a rebuild run elsewhere) moved the checkpoint: this
 * instance's view is stale, so it drops its batch and resumes from the stored checkpoint.
 */
export class CheckpointMovedError extends Error {
  readonly code = 'PROJECTOR.CHECKPOINT_MOVED';

  constructor(
    readonly expected: GlobalCheckpoint,
    readonly stored: GlobalCheckpoint,
  ) {
    super(
      `projection checkpoint is at ${stored.transactionId}/${stored.globalPosition}, ` +
        `expected ${expected.transactionId}/${expected.globalPosition}`,
    );
    this.name = 'CheckpointMovedError';
  }
}

/**
 * Projects the inventory streams into the read models. Per delivered batch, in one transaction: folds each SKU's
 * decider state, writes every read-model change, writes the changed channel targets to the outbox and stores the
 * checkpoint. Events at or below a SKU's projected version are skipped, so a replay changes nothing.
 */
export class Projector {
  /** Notified after each commit that wrote outbox rows, so the relay sends them without waiting to poll. */
  readonly targetsWritten = new WakeSignal();

  private readonly name: string;
  private readonly batchSize: number;
  private readonly stateSaveEvery: number;
  private readonly metrics: ProjectorMetrics;
  private readonly loader: ProjectedSkuLoader;
  private position: GlobalCheckpoint = { ...START_CHECKPOINT };
  private subscription?: Subscription;
  private resubscribing?: Promise<void>;
  private running = false;
  private schema?: Promise<unknown>;
  private exclusive: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly options: ProjectorOptions = {},
  ) {
    this.name = options.name ?? DEFAULT_PROJECTION_NAME;
    this.batchSize = options.batchSize ?? 500;
    this.stateSaveEvery = options.stateSaveEvery ?? 1000;
    this.metrics = options.metrics ?? new ProjectorMetrics(new Registry());
    this.loader = new ProjectedSkuLoader(pool, store, options.cachedSkus ?? 10_000);
  }

  /** The position after the last committed batch. */
  get checkpoint(): GlobalCheckpoint {
    return { ...this.position };
  }

  /** Migrates the read models, then follows the event store from the stored checkpoint. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.ensureSchema();
    this.running = true;
    this.position = await readCheckpoint(this.pool, this.name);
    this.subscription = this.subscribeFrom(this.position);
  }

  /** Lets the batch in progress commit, then stops following. */
  async stop(): Promise<void> {
    this.running = false;
    await this.resubscribing;
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /**
   * Projects every event available now, batch by batch, from the stored checkpoint; resolves with the number of
   * events delivered. For a projector that is not following the store (tests, tools, the rebuild).
   */
  async catchUp(): Promise<number> {
    if (this.running) throw new Error('catchUp() is for a projector that is not started');
    await this.ensureSchema();
    return this.serially(async () => {
      this.position = await readCheckpoint(this.pool, this.name);
      return this.catchUpFromPosition();
    });
  }

  /**
   * Empties the derived read models and the checkpoint, then replays the whole store into them. Targets are
   * written to the outbox again as the replay goes; connectors keep only the newest version per channel and SKU.
   */
  async rebuild(): Promise<RebuildResult> {
    const started = performance.now();
    await this.ensureSchema();
    const resume = this.running;
    await this.stop();
    const events = await this.serially(async () => {
      await this.inTransaction(async (client) => {
        await lockProjection(client, this.name);
        await client.query(`TRUNCATE ${READ_MODEL_TABLES.join(', ')}`);
        await deleteCheckpoint(client, this.name);
      });
      this.loader.forget();
      this.position = { ...START_CHECKPOINT };
      return this.catchUpFromPosition();
    });
    if (resume) await this.start();
    return { events, seconds: (performance.now() - started) / 1000 };
  }

  private subscribeFrom(from: GlobalCheckpoint): Subscription {
    return this.store.subscribe({
      from,
      batchSize: this.batchSize,
      pollIntervalMs: this.options.pollIntervalMs,
      retryDelayMs: this.options.retryDelayMs,
      handle: (events, checkpoint) => this.serially(() => this.apply(events, checkpoint)),
      onError: (error, failures) => {
        this.metrics.batchFailures.inc();
        this.options.onError?.(error, failures);
        if (error instanceof CheckpointMovedError) this.resubscribeFromStored();
      },
    });
  }

  /** Drops the subscription that is behind or ahead of the stored checkpoint and starts again from it. */
  private resubscribeFromStored(): void {
    if (this.resubscribing) return;
    const stale = this.subscription;
    this.resubscribing = (async () => {
      await stale?.stop();
      for (let attempt = 0; this.running; attempt += 1) {
        try {
          this.loader.forget();
          this.position = await readCheckpoint(this.pool, this.name);
          this.subscription = this.subscribeFrom(this.position);
          return;
        } catch (error) {
          this.options.onError?.(error, attempt + 1);
          await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 30_000)));
        }
      }
    })().finally(() => {
      this.resubscribing = undefined;
    });
  }

  private async catchUpFromPosition(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const { events, checkpoint } = await this.store.readAll(this.position, this.batchSize);
      if (events.length > 0) {
        try {
          await this.apply(events, checkpoint);
        } catch (error) {
          if (!(error instanceof CheckpointMovedError)) throw error;
          this.position = error.stored;
          continue;
        }
        delivered += events.length;
      }
      if (events.length < this.batchSize) return delivered;
    }
  }

  /** One delivered batch, one transaction. A throw leaves everything as it was; the batch comes again. */
  private async apply(events: RecordedEvent[], checkpoint: GlobalCheckpoint): Promise<void> {
    const started = performance.now();
    try {
      const { bySku, otherStreams } = eventsBySku(events);
      const projected = await this.loader.load([...bySku.keys()]);
      const batch = projectBatch(bySku, projected, { stateSaveEvery: this.stateSaveEvery }, otherStreams);
      await this.inTransaction(async (client) => {
        await lockProjection(client, this.name);
        const stored = await readCheckpoint(client, this.name);
        if (!sameCheckpoint(stored, this.position)) throw new CheckpointMovedError(this.position, stored);
        await writeReadModelChanges(client, batch.changes);
        await saveCheckpoint(client, this.name, checkpoint);
      });
      this.position = checkpoint;
      this.loader.remember(batch.ends);
      this.record(batch.counts, batch.changes.targets.length, events[events.length - 1], started);
      if (batch.changes.targets.length > 0) this.targetsWritten.notify();
    } catch (error) {
      // The cached states may be what made the batch fail (another writer moved on): reload them next time.
      this.loader.forget();
      throw error;
    }
  }

  private record(
    counts: { applied: number; alreadyApplied: number; unknown: number; otherStreams: number },
    targets: number,
    last: RecordedEvent,
    started: number,
  ): void {
    const { events, batchSeconds, lagSeconds, outboxRowsWritten } = this.metrics;
    if (counts.applied > 0) events.inc({ result: 'applied' }, counts.applied);
    if (counts.alreadyApplied > 0) events.inc({ result: 'already_applied' }, counts.alreadyApplied);
    if (counts.unknown > 0) events.inc({ result: 'unknown_type' }, counts.unknown);
    if (counts.otherStreams > 0) events.inc({ result: 'other_stream' }, counts.otherStreams);
    if (targets > 0) outboxRowsWritten.inc(targets);
    batchSeconds.observe((performance.now() - started) / 1000);
    lagSeconds.set(Math.max(0, Date.now() - last.recordedAt.getTime()) / 1000);
  }

  private ensureSchema(): Promise<unknown> {
    this.schema ??= migrateReadModels(this.pool).catch((error) => {
      this.schema = undefined;
      throw error;
    });
    return this.schema;
  }

  /** Deliveries, catch-ups and rebuilds of this instance never overlap. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(work, work);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  private async inTransaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        await work(client);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }
}
