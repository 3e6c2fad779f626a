import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { PlatformCallError } from '@libs/channels';
import type { ConfigureSupply, ObserveSupplierStock, RegisterSku } from '@libs/inventory';
import { LOGGER } from '@libs/observability';
import { SkuStock, SkuSupplier } from '@libs/read-models';
import {
  type CatalogueItem,
  MAX_CATALOGUE_PAGE_SIZE,
  SupplierClient,
  type SupplierConfig,
} from '@libs/suppliers';
import type { Logger } from 'pino';
import { In, type Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import {
  type BatchCommandOutcome,
  type CommandToSend,
  InventoryCommands,
} from '../common/inventory-commands.service';
import { ConfiguredSuppliers } from '../supply/configured-suppliers';
import {
  type ApplyPlan,
  type ApplyResult,
  applyCommandId,
  type ApplyStep,
  planApply,
  resultOf,
  type StepOutcome,
} from './apply-plan';
import {
  countRows,
  DEFAULT_SKU_MAPPING,
  diffCatalogue,
  type KnownSku,
  reportOf,
  type SkuMapping,
  skuOf,
  type SupplierReport,
  type SyncRow,
} from './catalogue-diff';
import { CatalogueSyncConfig, parseSkuMappings } from './catalogue-sync.config';
import { CatalogueSyncMetrics } from './catalogue-sync-metrics';
import {
  CatalogueSyncsRepository,
  type StoredRow,
  type SyncRecord,
  type SyncSource,
} from './catalogue-syncs.repository';

type SyncCommand =
  CommandToSend<RegisterSku> | CommandToSend<ConfigureSupply> | CommandToSend<ObserveSupplierStock>;

/** Syncs past their retention deleted after each preview (more than one preview makes, so they never pile up). */
const PRUNE_PER_PREVIEW = 5;
/** SKUs per read-model query while comparing (one `IN` list each). */
const READ_CHUNK = 5_000;
/** Rows applied per round of lane batches (register, then supply, then observe). */
const APPLY_CHUNK = 1_000;
/** SKU states loaded at once while planning an apply. */
const LOAD_CONCURRENCY = 32;

export interface PreviewRequest {
  supplierId: string;
  /** Overrides CATALOGUE_SYNC_MAPPINGS for this sync. */
  mapping?: Partial<SkuMapping>;
  safetyBuffer?: number;
  actor: string;
  source: SyncSource;
  /** Given when the request carried an Idempotency-Key: the same key answers the same sync. */
  syncId?: string;
}

export interface AppliedRow {
  productId: string;
  sku: string | null;
  status: SyncRow['status'];
  result: ApplyResult;
  reason?: string;
}

export interface ApplyReport {
  syncId: string;
  supplierId: string;
  appliedBy: string;
  appliedAt: Date;
  counts: Record<ApplyResult, number>;
  rows: AppliedRow[];
  /** Rows named in the request that an apply does not act on (unchanged, gone, invalid). */
  skipped: { productId: string; sku: string | null; status: SyncRow['status'] }[];
  gone: { count: number; note: string };
}

const GONE_NOTE =
  'gone rows are a report only: nothing is changed for them. Unlink the supplier from those SKUs ' +
  '(PUT /v1/skus/:sku/suppliers) or stop selling them yourself';

async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Catalogue sync (主站 → 分站 上货): reads a supplier's whole catalogue through the supplier contract, compares it
 * with the read models (the SKUs the mapping names and every SKU linked to the supplier) and stores the preview;
 * applying registers the new SKUs as supplier SKUs, links them (and changed ones) to the supplier's product and
 * records the catalogue's stock, price and status as the supplier's report, through the SKU lane, idempotent by
 * sync id.
 */
@Injectable()
export class CatalogueSyncs {
  /** Suppliers with a preview in progress in this process: one read of a catalogue at a time. */
  private readonly reading = new Set<string>();
  private readonly mappings: ReadonlyMap<string, SkuMapping>;

  constructor(
    private readonly suppliers: ConfiguredSuppliers,
    private readonly config: CatalogueSyncConfig,
    private readonly syncs: CatalogueSyncsRepository,
    private readonly commands: InventoryCommands,
    private readonly metrics: CatalogueSyncMetrics,
    @InjectRepository(SkuStock) private readonly stock: Repository<SkuStock>,
    @InjectRepository(SkuSupplier) private readonly links: Repository<SkuSupplier>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.mappings = parseSkuMappings(config.mappingsJson);
  }

  /** The configured mapping of a supplier (CATALOGUE_SYNC_MAPPINGS), with a request's fields over it. */
  mappingFor(supplierId: string, override: Partial<SkuMapping> = {}): SkuMapping {
    const configured = this.mappings.get(supplierId) ?? DEFAULT_SKU_MAPPING;
    return {
      skuPrefix: override.skuPrefix ?? configured.skuPrefix,
      skuFrom: override.skuFrom ?? configured.skuFrom,
    };
  }

  async findOrFail(syncId: string): Promise<SyncRecord> {
    const sync = await this.syncs.find(syncId);
    if (!sync)
      throw new ApiError(HttpStatus.NOT_FOUND, 'CATALOGUE_SYNC.NOT_FOUND', `no catalogue sync ${syncId}`);
    return sync;
  }

  /** Reads the catalogue, compares and stores the preview; answers the stored sync. */
  async preview(request: PreviewRequest): Promise<SyncRecord> {
    const supplier = this.suppliers.get(request.supplierId);
    if (request.syncId) {
      const earlier = await this.syncs.find(request.syncId);
      if (earlier) return earlier;
    }
    if (this.reading.has(supplier.id)) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'CATALOGUE_SYNC.ALREADY_RUNNING',
        `a catalogue sync of ${supplier.id} is reading its catalogue; try again when it is done`,
      );
    }
    this.reading.add(supplier.id);
    const stop = this.metrics.duration.startTimer({ step: 'preview' });
    try {
      const mapping = this.mappingFor(supplier.id, request.mapping);
      const fetchedAt = new Date();
      const products = await this.readCatalogue(supplier);
      const rows = await this.compare(supplier.id, mapping, products);
      const counts = countRows(rows);
      const syncId = request.syncId ?? randomUUID();
      const stored = await this.syncs.insert(
        {
          syncId,
          supplierId: supplier.id,
          mapping,
          safetyBuffer: request.safetyBuffer ?? null,
          source: request.source,
          requestedBy: request.actor,
          fetchedAt,
          products: products.length,
          counts,
        },
        rows,
      );
      if (stored)
        for (const [status, n] of Object.entries(counts)) this.metrics.previewRows.inc({ status }, n);
      this.logger.info(
        { syncId, supplierId: supplier.id, actor: request.actor, source: request.source, counts },
        'catalogue sync previewed',
      );
      await this.prune();
      return (await this.syncs.find(syncId))!;
    } finally {
      this.reading.delete(supplier.id);
      stop();
    }
  }

  /** A few syncs past CATALOGUE_SYNC_RETENTION_DAYS; a failure is logged, never the preview's. */
  private async prune(): Promise<void> {
    try {
      const pruned = await this.syncs.prune(this.config.retentionDays, PRUNE_PER_PREVIEW);
      if (pruned > 0) this.logger.info({ pruned }, 'old catalogue syncs deleted');
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'old catalogue syncs not deleted');
    }
  }

  /**
   * Every page of the catalogue, or an error: the whole catalogue is needed to tell what is gone upstream, so a
   * page that fails, too many products or too long a read stores no preview at all.
   */
  private async readCatalogue(supplier: SupplierConfig): Promise<CatalogueItem[]> {
    const client = new SupplierClient(supplier);
    const started = Date.now();
    const products: CatalogueItem[] = [];
    try {
      for await (const page of client.cataloguePages(MAX_CATALOGUE_PAGE_SIZE)) {
        products.push(...page.items);
        if (products.length > this.config.maxProducts) {
          this.metrics.failures.inc({ reason: 'too_many_products' });
          throw new ApiError(
            HttpStatus.PAYLOAD_TOO_LARGE,
            'CATALOGUE_SYNC.TOO_MANY_PRODUCTS',
            `the catalogue of ${supplier.id} holds more than ${this.config.maxProducts} products ` +
              '(CATALOGUE_SYNC_MAX_PRODUCTS); nothing was stored',
          );
        }
        if (page.nextCursor !== null && Date.now() - started > this.config.timeoutMs) {
          this.metrics.failures.inc({ reason: 'timeout' });
          throw new ApiError(
            HttpStatus.GATEWAY_TIMEOUT,
            'CATALOGUE_SYNC.TIMEOUT',
            `reading the catalogue of ${supplier.id} took longer than ${this.config.timeoutMs} ms ` +
              `(CATALOGUE_SYNC_TIMEOUT_MS) after ${products.length} products; nothing was stored`,
          );
        }
      }
    } catch (error) {
      if (!(error instanceof PlatformCallError)) throw error;
      this.metrics.failures.inc({ reason: 'supplier_failed' });
      // The client's message names the call and the field at fault, never a value or a secret.
      throw new ApiError(
        HttpStatus.BAD_GATEWAY,
        'CATALOGUE_SYNC.SUPPLIER_FAILED',
        `reading the catalogue of ${supplier.id} failed after ${products.length} products: ${error.message}; ` +
          'nothing was stored',
        {
          supplierCode: error.code,
          retryable: error.retryable,
          ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
        },
      );
    }
    return products;
  }

  /** The preview's rows: the catalogue against the read models (sku_stock, sku_suppliers). */
  private async compare(
    supplierId: string,
    mapping: SkuMapping,
    products: CatalogueItem[],
  ): Promise<SyncRow[]> {
    const mapped = [
      ...new Set(
        products.flatMap((p) => {
          const m = skuOf(mapping, p.productId);
          return m.ok ? [m.sku] : [];
        }),
      ),
    ];
    const skus = new Map<string, KnownSku>();
    for (let start = 0; start < mapped.length; start += READ_CHUNK) {
      const chunk = mapped.slice(start, start + READ_CHUNK);
      const [kinds, links] = await Promise.all([
        this.stock.find({ select: { sku: true, kind: true }, where: { sku: In(chunk) } }),
        this.links.find({ where: { sku: In(chunk) }, order: { sku: 'ASC', priority: 'ASC' } }),
      ]);
      for (const { sku, kind } of kinds) skus.set(sku, { kind, suppliers: [] });
      for (const link of links) {
        const known = skus.get(link.sku);
        if (!known) continue;
        (known.suppliers as KnownSku['suppliers'][number][]).push({
          supplierId: link.supplierId,
          productId: link.productId,
          report: reportOf(link),
        });
      }
    }
    const linkedRows = await this.links.find({ where: { supplierId } });
    const linked: { sku: string; productId: string; report: SupplierReport }[] = linkedRows.map((l) => ({
      sku: l.sku,
      productId: l.productId,
      report: reportOf(l),
    }));
    return diffCatalogue({ supplierId, mapping, products, skus, linked });
  }

  /**
   * Applies the sync's new and changed rows (or those named): per chunk of rows, every registration, then every
   * supplier list, then every report, each step one lane batch. Each command id derives from (sync, step,
   * product), so applying the same sync again decides nothing twice and reports those rows `already_applied`.
   */
  async apply(syncId: string, options: { productIds?: string[]; actor: string }): Promise<ApplyReport> {
    const sync = await this.findOrFail(syncId);
    const stop = this.metrics.duration.startTimer({ step: 'apply' });
    try {
      const selected = await this.syncs.rowsToApply(syncId, options.productIds);
      if (options.productIds) {
        const found = new Set(selected.map((r) => r.productId));
        const unknown = [...new Set(options.productIds)].filter((id) => !found.has(id));
        if (unknown.length > 0) {
          throw new ApiError(
            HttpStatus.UNPROCESSABLE_ENTITY,
            'CATALOGUE_SYNC.UNKNOWN_ROWS',
            `the sync has no row for ${unknown.length} of the products named; nothing was applied`,
            { productIds: unknown.slice(0, 20) },
          );
        }
      }
      const applicable = selected.filter((r) => r.status === 'new' || r.status === 'changed');
      const skipped = selected
        .filter((r) => r.status !== 'new' && r.status !== 'changed')
        .map(({ productId, sku, status }) => ({ productId, sku, status }));
      const results: { row: StoredRow; result: ApplyResult; reason?: string }[] = [];
      const failed: string[] = [];
      for (let start = 0; start < applicable.length; start += APPLY_CHUNK) {
        const chunk = applicable.slice(start, start + APPLY_CHUNK);
        const done = await this.applyChunk(sync, chunk, options.actor);
        for (const d of done) {
          if (d.result === 'failed') failed.push(d.row.productId);
          else results.push({ row: d.row, result: d.result, ...(d.reason ? { reason: d.reason } : {}) });
        }
      }
      const appliedAt = new Date();
      await this.syncs.recordApply(
        syncId,
        results.map((r) => ({ seq: r.row.seq, result: r.result, reason: r.reason })),
        options.actor,
        appliedAt,
      );
      const counts: Record<ApplyResult, number> = {
        applied: 0,
        already_applied: 0,
        unchanged: 0,
        refused: 0,
        rejected: 0,
      };
      for (const r of results) {
        counts[r.result] += 1;
        this.metrics.appliedRows.inc({ result: r.result });
      }
      this.logger.info(
        { syncId, supplierId: sync.supplierId, actor: options.actor, counts },
        'catalogue sync applied',
      );
      if (failed.length > 0) {
        // The other rows are recorded; the same apply again finishes these (their command ids are the same).
        throw new ApiError(
          HttpStatus.INTERNAL_SERVER_ERROR,
          'CATALOGUE_SYNC.APPLY_INCOMPLETE',
          `the inventory could not decide ${failed.length} row(s); apply the same sync again to finish them`,
          { productIds: failed.slice(0, 20) },
        );
      }
      return {
        syncId,
        supplierId: sync.supplierId,
        appliedBy: options.actor,
        appliedAt,
        counts,
        rows: results.map(({ row, result, reason }) => ({
          productId: row.productId,
          sku: row.sku,
          status: row.status,
          result,
          ...(reason ? { reason } : {}),
        })),
        skipped,
        gone: { count: sync.counts.gone, note: GONE_NOTE },
      };
    } finally {
      stop();
    }
  }

  private async applyChunk(
    sync: SyncRecord,
    rows: StoredRow[],
    actor: string,
  ): Promise<{ row: StoredRow; result: ApplyResult | 'failed'; reason?: string }[]> {
    const context = {
      supplierId: sync.supplierId,
      observedAt: sync.fetchedAt.getTime(),
      ...(sync.safetyBuffer === null ? {} : { safetyBuffer: sync.safetyBuffer }),
    };
    const plans: ApplyPlan[] = await mapConcurrently(rows, LOAD_CONCURRENCY, async (row) => {
      const { state } = await this.commands.loadState(row.sku!);
      const suppliers = state.supply?.suppliers ?? [];
      return planApply(
        { productId: row.productId, product: row.product! },
        { kind: state.kind, suppliers },
        context,
      );
    });
    const outcomes: StepOutcome[][] = rows.map(() => []);
    const stopped: (ApplyResult | 'failed' | null)[] = plans.map((p) => ('refused' in p ? 'refused' : null));
    const metadata = { catalogueSync: sync.syncId };
    for (const step of ['register', 'supply', 'observe'] as const satisfies readonly ApplyStep[]) {
      const batch: { i: number; command: SyncCommand }[] = [];
      plans.forEach((plan, i) => {
        if (stopped[i] !== null || 'refused' in plan) return;
        const command = this.commandOf(step, rows[i], plan, sync.syncId);
        if (command) batch.push({ i, command });
      });
      if (batch.length === 0) continue;
      const commands: CommandToSend[] = batch.map((b) => b.command);
      const answers: BatchCommandOutcome[] = await this.commands.sendMany(commands, actor, metadata);
      answers.forEach((answer, k) => {
        const { i } = batch[k];
        if (answer.status === 'failed') {
          stopped[i] = 'failed';
          return;
        }
        outcomes[i].push(answer);
        // A refused step ends the row: the next ones would only be refused too (a SKU of another kind).
        if (answer.events.some((e) => e.type === 'CommandRejected')) stopped[i] = 'rejected';
      });
    }
    return rows.map((row, i) => {
      const plan = plans[i];
      if ('refused' in plan) return { row, result: 'refused' as const, reason: plan.refused };
      if (stopped[i] === 'failed') return { row, result: 'failed' as const };
      return { row, ...resultOf(outcomes[i]) };
    });
  }

  private commandOf(
    step: ApplyStep,
    row: StoredRow,
    plan: Exclude<ApplyPlan, { refused: unknown }>,
    syncId: string,
  ): SyncCommand | null {
    const sku = row.sku!;
    const commandId = applyCommandId(syncId, step, row.productId);
    switch (step) {
      case 'register':
        if (!plan.register) return null;
        return {
          type: 'RegisterSku',
          sku,
          data: { kind: 'supplier', lowStockThreshold: null, perOrderCap: null },
          commandId,
        };
      case 'supply':
        if (!plan.supply) return null;
        return { type: 'ConfigureSupply', sku, data: plan.supply, commandId };
      case 'observe':
        return {
          type: 'ObserveSupplierStock',
          sku,
          data: plan.observe,
          commandId,
        };
      default: {
        const never: never = step;
        return never;
      }
    }
  }
}
