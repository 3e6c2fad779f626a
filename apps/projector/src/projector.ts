import { withTransaction } from '@libs/database';
import {
  checkpointOf,
  compareCheckpoints,
  START_CHECKPOINT,
  WakeSignal,
  type EventStore,
  type GlobalCheckpoint,
  type RecordedEvent,
  type Subscription,
} from '@libs/event-store';
import { skuStreamId } from '@libs/inventory-application';
import { migrateReadModels, READ_MODEL_TABLES } from '@libs/read-models';
import { backoffDelayMs, isTransientError, sleep } from '@libs/resilience';
import type { Pool, PoolClient } from 'pg';
import { Registry } from 'prom-client';
import { eventsBySku, projectBatch, type BatchProjection } from './projection/batch-projection';
import type { ProjectionFailure } from './projection/projection-failure';
import type { StockAlertRow } from './projection/read-model-rows';
import { unprojectedSku, type ProjectedSku } from './projection/projected-sku';
import { ProjectedSkuLoader } from './persistence/projected-sku-loader';
import {
  deleteCheckpoint,
  lockProjection,
  readCheckpoint,
  sameCheckpoint,
  saveCheckpoint,
} from './persistence/projection-checkpoints';
import {
  countSkipped,
  deleteSkuReadModels,
  quarantinedAmong,
  quarantineSku,
  releaseSku,
  retryRequests,
} from './persistence/projection-quarantine';
import { DEFAULT_MAX_STATE_BYTES, writeReadModelChanges } from './persistence/read-model-writer';
import { projectSkuAlone } from './persistence/sku-alone';
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
  /** A SKU whose decider state serialises past this many bytes is set aside; default 64 MiB. */
  maxStateBytes?: number;
  /** How often a started projector looks for retry requests of set-aside SKUs; default 1 s. 0: never. */
  quarantinePollMs?: number;
  metrics?: ProjectorMetrics;
  /** Told about every failed batch before it is delivered again. */
  onError?(error: unknown, consecutiveFailures: number): void;
  /** Told about every SKU set aside (or kept aside by a failed retry). */
  onQuarantine?(failure: ProjectionFailure): void;
  /** Told about a set-aside SKU projected again (a retry released it). */
  onRelease?(sku: string): void;
  /** Told, after each commit, of the low-stock alerts the batch raised or cleared (the alert notifier's feed). */
  onStockAlerts?(alerts: readonly StockAlertRow[]): void;
}

/** What a retry of a set-aside SKU came to. */
export type QuarantineRetryResult =
  /** Every event of the SKU up to the checkpoint projected: it is projected again like any other. */
  | { result: 'released'; events: number }
  /** An event failed again (the same or a later one): the SKU stays aside, the row says why. */
  | { result: 'still_quarantined'; failure: ProjectionFailure }
  | { result: 'not_quarantined' }
  /** Another writer moved the checkpoint meanwhile; the request stays and is tried again. */
  | { result: 'checkpoint_moved' };

/** The SKUs set aside changed between reading them and writing a batch (another instance, a retry). */
class QuarantineMovedError extends Error {
  readonly retryable = true;

  constructor() {
    super('the set of SKUs set aside changed while the batch was projected');
    this.name = 'QuarantineMovedError';
  }
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
 *
 * A SKU with an event that cannot be projected (unknown type, unreadable data, a fold that throws, a value
 * PostgreSQL refuses, a state over the bound) is set aside in projection_quarantine, in the same transaction as
 * the other SKUs' rows and the checkpoint; its later events are passed over until a retry rebuilds it from its
 * stream. Errors of the servers (connection, timeout, serialization) are never charged to a SKU: the batch is
 * delivered again with backoff.
 */
export class Projector {
  /** Notified after each commit that wrote outbox rows, so the relay sends them without waiting to poll. */
  readonly targetsWritten = new WakeSignal();

  private readonly name: string;
  private readonly batchSize: number;
  private readonly stateSaveEvery: number;
  private readonly maxStateBytes: number;
  private readonly metrics: ProjectorMetrics;
  private readonly loader: ProjectedSkuLoader;
  private position: GlobalCheckpoint = { ...START_CHECKPOINT };
  private subscription?: Subscription;
  private resubscribing?: Promise<void>;
  private running = false;
  private schema?: Promise<unknown>;
  private exclusive: Promise<unknown> = Promise.resolve();
  private retryLoop?: Promise<void>;
  private retryLoopStop?: AbortController;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly options: ProjectorOptions = {},
  ) {
    this.name = options.name ?? DEFAULT_PROJECTION_NAME;
    this.batchSize = options.batchSize ?? 500;
    this.stateSaveEvery = options.stateSaveEvery ?? 1000;
    this.maxStateBytes = options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
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
    this.startRetryLoop();
  }

  /** Lets the batch in progress commit, then stops following. */
  async stop(): Promise<void> {
    this.running = false;
    this.retryLoopStop?.abort();
    await this.retryLoop;
    await this.resubscribing;
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /**
   * Projects a set-aside SKU again from the first event of its stream up to the checkpoint, and lifts the
   * quarantine when every event projects. Its rows are emptied first (a stream longer than a batch is rebuilt
   * over several transactions, the SKU staying aside until the last). The API asks for this through
   * projection_quarantine.retry_requested_at, which a started projector looks at every `quarantinePollMs`.
   */
  async retryQuarantined(sku: string): Promise<QuarantineRetryResult> {
    await this.ensureSchema();
    return this.serially(() => this.rebuildSku(sku));
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
      await withTransaction(this.pool, async (client) => {
        await lockProjection(client, this.name);
        // Every SKU is projected again from its first event: one that still cannot be is set aside again.
        await client.query(`TRUNCATE ${[...READ_MODEL_TABLES, 'projection_quarantine'].join(', ')}`);
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
          await sleep(
            backoffDelayMs(attempt + 1, { initialMs: this.options.retryDelayMs ?? 200, maxMs: 30_000 }),
          );
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
          if (error instanceof QuarantineMovedError) continue;
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
      const held = await quarantinedAmong(this.pool, [...bySku.keys()]);
      const active = new Map([...bySku].filter(([sku]) => !held.has(sku)));
      const skipped = new Map(
        [...bySku].filter(([sku]) => held.has(sku)).map(([sku, list]) => [sku, list.length]),
      );
      let outcome: BatchOutcome;
      try {
        outcome = await this.applyTogether(active, held, skipped, otherStreams, checkpoint);
      } catch (error) {
        if (error instanceof CheckpointMovedError || isTransientError(error)) throw error;
        // Some SKU of the batch cannot be projected, or the cached states are stale: fresh states, SKU by SKU.
        this.loader.forget();
        outcome = await this.applySkuBySku(active, held, skipped, otherStreams, checkpoint);
      }
      this.position = checkpoint;
      this.loader.remember(outcome.ends);
      for (const failure of outcome.failures) {
        this.metrics.quarantined.inc({ reason: failure.reason });
        this.options.onQuarantine?.(failure);
      }
      if (outcome.alerts.length > 0) this.options.onStockAlerts?.(outcome.alerts);
      this.record(outcome, events[events.length - 1], started);
      if (outcome.targets > 0) this.targetsWritten.notify();
    } catch (error) {
      // The cached states may be what made the batch fail (another writer moved on): reload them next time.
      this.loader.forget();
      throw error;
    }
  }

  /** The usual path: every SKU folded at once, one multi-row statement per table. */
  private async applyTogether(
    active: ReadonlyMap<string, RecordedEvent[]>,
    held: ReadonlySet<string>,
    skipped: ReadonlyMap<string, number>,
    otherStreams: number,
    checkpoint: GlobalCheckpoint,
  ): Promise<BatchOutcome> {
    const projected = await this.loader.load([...active.keys()]);
    const events = await this.withStreamGapsFilled(active, projected);
    const batch = projectBatch(events, projected, { stateSaveEvery: this.stateSaveEvery }, otherStreams);
    await withTransaction(this.pool, async (client) => {
      await this.beginBatch(client, active, held);
      await writeReadModelChanges(client, batch.changes, { maxStateBytes: this.maxStateBytes });
      await countSkipped(client, skipped);
      await saveCheckpoint(client, this.name, checkpoint);
    });
    return {
      ends: batch.ends,
      counts: { ...batch.counts, quarantined: sum(skipped.values()) },
      targets: batch.changes.targets.length,
      failures: [],
      alerts: batch.changes.alerts,
    };
  }

  /**
   * After the usual path failed on something other than the servers: each SKU in a savepoint of its own, so the
   * ones that cannot be projected are set aside and the rest commit with the checkpoint, in one transaction.
   */
  private async applySkuBySku(
    active: ReadonlyMap<string, RecordedEvent[]>,
    held: ReadonlySet<string>,
    skipped: ReadonlyMap<string, number>,
    otherStreams: number,
    checkpoint: GlobalCheckpoint,
  ): Promise<BatchOutcome> {
    // Loaded before the transaction opens (the embedded engine has one connection).
    const projected = await this.loader.load([...active.keys()]);
    const filled = await this.withStreamGapsFilled(active, projected);
    return withTransaction(this.pool, async (client) => {
      await this.beginBatch(client, active, held);
      const outcome: BatchOutcome = {
        ends: [],
        counts: { applied: 0, alreadyApplied: 0, otherStreams, quarantined: sum(skipped.values()) },
        targets: 0,
        failures: [],
        alerts: [],
      };
      for (const [sku, events] of filled) {
        const result = await projectSkuAlone(client, projected.get(sku)!, events, {
          stateSaveEvery: this.stateSaveEvery,
          maxStateBytes: this.maxStateBytes,
        });
        addProjection(outcome, result.projection);
        if (result.failure) {
          await quarantineSku(client, result.failure, result.notProjected - 1);
          outcome.counts.quarantined += result.notProjected;
          outcome.failures.push(result.failure);
        } else {
          outcome.ends.push(...result.projection.ends);
        }
      }
      await countSkipped(client, skipped);
      await saveCheckpoint(client, this.name, checkpoint);
      return outcome;
    });
  }

  /**
   * The global feed is a delivery order across transactions, not each SKU's order. A SKU whose delivered events
   * skip past its projected version gets the missing versions read from its stream — the truth — and folded first;
   * when they come through the feed later they are at or below the projected version and skipped. Only a gap the
   * stream itself has (an event that is not there) still sets the SKU aside.
   */
  private async withStreamGapsFilled(
    active: ReadonlyMap<string, RecordedEvent[]>,
    projected: ReadonlyMap<string, ProjectedSku>,
  ): Promise<Map<string, RecordedEvent[]>> {
    const filled = new Map(active);
    for (const [sku, events] of active) {
      let expected = projected.get(sku)?.version ?? 0;
      let gap = false;
      for (const e of events) {
        if (e.version <= expected) continue;
        if (e.version !== expected + 1) gap = true;
        expected = e.version;
      }
      if (!gap) continue;
      const from = (projected.get(sku)?.version ?? 0) + 1;
      const last = Math.max(...events.map((e) => e.version));
      const stream = await this.store.readStream(skuStreamId(sku), {
        fromVersion: from,
        maxCount: last - from + 1,
      });
      this.metrics.gapsFilled.inc();
      filled.set(sku, stream.length === last - from + 1 ? stream : events);
    }
    return filled;
  }

  /** Under the projection lock: nobody else moved the checkpoint or changed which SKUs are aside. */
  private async beginBatch(
    client: PoolClient,
    active: ReadonlyMap<string, unknown>,
    held: ReadonlySet<string>,
  ): Promise<void> {
    await lockProjection(client, this.name);
    const stored = await readCheckpoint(client, this.name);
    if (!sameCheckpoint(stored, this.position)) throw new CheckpointMovedError(this.position, stored);
    const now = await quarantinedAmong(client, [...active.keys(), ...held]);
    if (now.size !== held.size || [...held].some((sku) => !now.has(sku))) throw new QuarantineMovedError();
  }

  private async rebuildSku(sku: string): Promise<QuarantineRetryResult> {
    if ((await quarantinedAmong(this.pool, [sku])).size === 0) return { result: 'not_quarantined' };
    const at = await readCheckpoint(this.pool, this.name);
    let start: ProjectedSku = unprojectedSku(sku);
    let fromVersion = 1;
    let events = 0;
    let targets = 0;
    try {
      for (let first = true; ; first = false) {
        const page = await this.store.readStream(skuStreamId(sku), { fromVersion, maxCount: this.batchSize });
        // Only what the checkpoint has passed: the later events reach this SKU through the batches.
        const covered = takeWhile(page, (e) => compareCheckpoints(checkpointOf(e), at) <= 0);
        const last = covered.length < this.batchSize;
        const step = await withTransaction(this.pool, async (client) => {
          await lockProjection(client, this.name);
          const stored = await readCheckpoint(client, this.name);
          if (!sameCheckpoint(stored, at)) throw new CheckpointMovedError(at, stored);
          if (first) await deleteSkuReadModels(client, sku, READ_MODEL_TABLES);
          const result = await projectSkuAlone(client, start, covered, {
            stateSaveEvery: this.stateSaveEvery,
            maxStateBytes: this.maxStateBytes,
          });
          if (result.failure) await quarantineSku(client, result.failure, 0);
          else if (last) await releaseSku(client, sku);
          return result;
        });
        events += covered.length - step.notProjected;
        targets += step.projection.changes.targets.length;
        if (step.failure) {
          this.metrics.quarantineRetries.inc({ result: 'still_quarantined' });
          this.options.onQuarantine?.(step.failure);
          return { result: 'still_quarantined', failure: step.failure };
        }
        start = step.projection.ends[0] ?? start;
        if (last) {
          this.metrics.quarantineRetries.inc({ result: 'released' });
          this.options.onRelease?.(sku);
          return { result: 'released', events };
        }
        fromVersion += covered.length;
      }
    } catch (error) {
      if (error instanceof CheckpointMovedError) return { result: 'checkpoint_moved' };
      throw error;
    } finally {
      // This instance's cached state of the SKU (if any) is older than what was just written.
      this.loader.forget();
      if (targets > 0) this.targetsWritten.notify();
    }
  }

  /** While started: looks for retry requests the API wrote, and serves them one by one between batches. */
  private startRetryLoop(): void {
    const every = this.options.quarantinePollMs ?? 1000;
    if (every <= 0 || this.retryLoop) return;
    const stop = new AbortController();
    this.retryLoopStop = stop;
    this.retryLoop = (async () => {
      let failures = 0;
      while (!stop.signal.aborted) {
        try {
          for (const sku of await retryRequests(this.pool, 10)) {
            if (stop.signal.aborted) break;
            await this.retryQuarantined(sku);
          }
          failures = 0;
          await sleep(every, stop.signal);
        } catch (error) {
          failures += 1;
          this.options.onError?.(error, failures);
          await sleep(backoffDelayMs(failures, { initialMs: every, maxMs: 30_000 }), stop.signal);
        }
      }
    })().finally(() => {
      this.retryLoop = undefined;
      this.retryLoopStop = undefined;
    });
  }

  private record({ counts, targets }: BatchOutcome, last: RecordedEvent, started: number): void {
    const { events, batchSeconds, lagSeconds, outboxRowsWritten } = this.metrics;
    if (counts.applied > 0) events.inc({ result: 'applied' }, counts.applied);
    if (counts.alreadyApplied > 0) events.inc({ result: 'already_applied' }, counts.alreadyApplied);
    if (counts.quarantined > 0) events.inc({ result: 'quarantined' }, counts.quarantined);
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
}

interface BatchOutcome {
  /** States of the SKUs projected to the end of the batch, to keep in memory. */
  ends: ProjectedSku[];
  counts: { applied: number; alreadyApplied: number; otherStreams: number; quarantined: number };
  targets: number;
  /** SKUs set aside by this batch. */
  failures: ProjectionFailure[];
  /** Low-stock alerts raised or cleared by this batch. */
  alerts: StockAlertRow[];
}

function addProjection(outcome: BatchOutcome, projection: BatchProjection): void {
  outcome.counts.applied += projection.counts.applied;
  outcome.counts.alreadyApplied += projection.counts.alreadyApplied;
  outcome.targets += projection.changes.targets.length;
  outcome.alerts.push(...projection.changes.alerts);
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function takeWhile<T>(items: readonly T[], keep: (item: T) => boolean): T[] {
  const end = items.findIndex((item) => !keep(item));
  return end === -1 ? [...items] : items.slice(0, end);
}
