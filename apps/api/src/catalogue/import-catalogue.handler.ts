import { HttpStatus, Injectable } from '@nestjs/common';
import type { ChangeSkuSettings, InventoryEvent, InventoryState, RegisterSku } from '@libs/inventory';
import { ApiError } from '../common/api-error';
import { ApiMetrics } from '../common/api-metrics';
import { type CommandToSend, InventoryCommands } from '../common/inventory-commands.service';
import type { TableUpload } from '../uploads/upload-source';
import type {
  CatalogueImportReportDto,
  CatalogueRowReportDto,
  SkuSettingsDto,
} from './catalogue-import-report';
import { CatalogueImportsRepository } from './catalogue-imports.repository';
import type { CatalogueEntry } from './catalogue-row';
import { catalogueRows } from './catalogue-rows';
import type { FieldMapping } from './field-mapping';
import type { StockKindValues } from './stock-kind-values';

/**
 * Rows one import may hold. Every valid row is kept until the one append at the end, and every row is listed in
 * the report: this bounds both. Far above a 分站 catalogue (hundreds to a few thousand products).
 */
export const CATALOGUE_IMPORT_MAX_ROWS = 100_000;

/** SKU states loaded at once while classifying: the pool queues the rest. */
const LOAD_CONCURRENCY = 64;

export interface ImportCatalogueRequest {
  batchId: string;
  mapping: FieldMapping;
  kinds: StockKindValues;
  upload: Exclude<TableUpload, { format: 'txt' }>;
  actor: string;
  /** A preview: the same report, classified against each SKU's state, with no command sent and nothing stored. */
  dryRun?: boolean;
}

function settingsOf(state: InventoryState): SkuSettingsDto | null {
  if (state.kind === null) return null;
  return {
    stockKind: state.kind,
    lowStockThreshold: state.lowStockThreshold,
    perOrderCap: state.perOrderCap,
  };
}

type CatalogueCommand = CommandToSend<RegisterSku> | CommandToSend<ChangeSkuSettings>;

function registration(entry: CatalogueEntry, commandId: string): CommandToSend<RegisterSku> {
  const { sku, stockKind: kind, lowStockThreshold, perOrderCap } = entry;
  return { type: 'RegisterSku', sku, data: { kind, lowStockThreshold, perOrderCap }, commandId };
}

/** Both settings are sent: a row states the SKU's whole settings, an empty cell meaning no limit. */
function settingsChange(entry: CatalogueEntry, commandId: string): CommandToSend<ChangeSkuSettings> {
  const { sku, lowStockThreshold, perOrderCap } = entry;
  return { type: 'ChangeSkuSettings', sku, data: { lowStockThreshold, perOrderCap }, commandId };
}

function sameSettings(a: SkuSettingsDto, b: CatalogueEntry): boolean {
  return (
    a.stockKind === b.stockKind &&
    a.lowStockThreshold === b.lowStockThreshold &&
    a.perOrderCap === b.perOrderCap
  );
}

async function mapConcurrently<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
 * Catalogue import (分站 上货): a CSV of products, read as a stream through a field mapping, registers each new
 * SKU with RegisterSku and changes the threshold and per-order cap of an existing one with ChangeSkuSettings.
 * Each command goes to its SKU's owner through the SKU lane and is decided there on its own (SKUs on different
 * partitions have different single writers, so a batch is not one transaction); each event is attributed to the
 * importing key and tagged with the batch id. A row whose SKU is already registered with the same settings is
 * `unchanged`; with only another threshold or cap it is `updated`; with another stock kind, which never changes,
 * it is a `conflict` and no command is sent for it (a refusal would be appended to that SKU's stream). Idempotent
 * by batch id: command ids derive from (batch, SKU), so a retry after a lost answer finds its own events and
 * reports them as registered or updated, and the first report is stored and returned again.
 */
@Injectable()
export class ImportCatalogueHandler {
  constructor(
    private readonly commands: InventoryCommands,
    private readonly reports: CatalogueImportsRepository,
    private readonly metrics: ApiMetrics,
  ) {}

  previous(batchId: string): Promise<CatalogueImportReportDto | null> {
    return this.reports.find(batchId);
  }

  async handle(request: ImportCatalogueRequest): Promise<CatalogueImportReportDto> {
    const { batchId } = request;
    const report: CatalogueImportReportDto = {
      batchId,
      replayed: false,
      lines: 0,
      rows: 0,
      blankLines: 0,
      registered: 0,
      updated: 0,
      unchanged: 0,
      duplicateInFile: 0,
      conflict: 0,
      invalid: 0,
      results: [],
    };
    const firstLineOf = new Map<string, number>();
    const entries: CatalogueEntry[] = [];

    for await (const row of catalogueRows(request.upload, {
      mapping: request.mapping,
      kinds: request.kinds,
    })) {
      report.lines = row.line;
      if (row.kind === 'blank') {
        report.blankLines += 1;
        continue;
      }
      report.rows += 1;
      if (report.rows > CATALOGUE_IMPORT_MAX_ROWS) {
        throw new ApiError(
          HttpStatus.PAYLOAD_TOO_LARGE,
          'IMPORT.TOO_MANY_ROWS',
          `a catalogue import holds at most ${CATALOGUE_IMPORT_MAX_ROWS} rows; split the file into several batches`,
        );
      }
      // The first row naming a SKU decides for it, even an invalid one: the file says two things about that SKU.
      const first = row.sku === undefined ? undefined : firstLineOf.get(row.sku);
      if (first !== undefined) {
        report.results.push({
          line: row.line,
          sku: row.sku,
          result: 'duplicate_in_file',
          duplicateOfLine: first,
        });
        continue;
      }
      if (row.sku !== undefined) firstLineOf.set(row.sku, row.line);
      if (row.kind === 'invalid') {
        report.results.push({
          line: row.line,
          ...(row.sku === undefined ? {} : { sku: row.sku }),
          result: 'invalid',
          reason: row.reason,
        });
        continue;
      }
      entries.push(row);
    }

    report.results.push(...(await this.apply(entries, request)));
    report.results.sort((a, b) => a.line - b.line);
    for (const r of report.results) {
      if (r.result === 'registered') report.registered += 1;
      else if (r.result === 'updated') report.updated += 1;
      else if (r.result === 'unchanged') report.unchanged += 1;
      else if (r.result === 'duplicate_in_file') report.duplicateInFile += 1;
      else if (r.result === 'conflict') report.conflict += 1;
      else report.invalid += 1;
    }
    if (request.dryRun) return { ...report, dryRun: true };
    const saved = await this.reports.saveFirst(report, request.actor);
    if (saved.first) this.count(report);
    return saved.report;
  }

  /**
   * Classifies the valid rows against the event store, then asks each SKU's owner to register the new SKUs and
   * change the settings of the existing ones (each SKU decided on its own; the batch id makes a retry finish it).
   */
  private async apply(
    entries: CatalogueEntry[],
    request: ImportCatalogueRequest,
  ): Promise<CatalogueRowReportDto[]> {
    const results: CatalogueRowReportDto[] = [];
    const rowOf = (entry: CatalogueEntry): Pick<CatalogueRowReportDto, 'line' | 'sku' | 'name'> => ({
      line: entry.line,
      sku: entry.sku,
      ...(entry.name === null ? {} : { name: entry.name }),
    });

    const current = await mapConcurrently(entries, LOAD_CONCURRENCY, async (e) =>
      settingsOf((await this.commands.loadState(e.sku)).state),
    );
    // Rows already registered with these settings are sent too: a retry of this batch after a lost answer finds
    // its own SkuRegistered or SkuSettingsChanged (same command id) and reports it as registered or updated, not
    // as unchanged.
    const toSend: { entry: CatalogueEntry; command: CatalogueCommand; registered: boolean }[] = [];
    entries.forEach((entry, i) => {
      const settings = current[i];
      const commandId = `catalogue-import:${request.batchId}:${entry.sku}`;
      if (settings === null || sameSettings(settings, entry)) {
        toSend.push({ entry, command: registration(entry, commandId), registered: settings !== null });
      } else if (settings.stockKind === entry.stockKind) {
        toSend.push({ entry, command: settingsChange(entry, commandId), registered: true });
      } else
        results.push({
          ...rowOf(entry),
          result: 'conflict',
          reason: 'already_registered',
          current: settings,
        });
    });

    if (request.dryRun) {
      // What the owner would decide from the state just read: a retry of a batch cut short after some of its
      // appends shows those rows as unchanged here, where the real import reports them as registered or updated.
      for (const { entry, command, registered } of toSend) {
        const result = !registered ? 'registered' : command.type === 'RegisterSku' ? 'unchanged' : 'updated';
        results.push({ ...rowOf(entry), result });
      }
      return results;
    }
    const commands: CommandToSend[] = toSend.map((s) => s.command);
    const outcomes = await this.commands.sendMany(commands, request.actor, {
      catalogueImport: request.batchId,
    });
    const failed = outcomes.find((o) => o.status === 'failed');
    if (failed) {
      // The other SKUs are stored; a retry of the batch id reports them as registered and tries this one again.
      throw new ApiError(
        HttpStatus.INTERNAL_SERVER_ERROR,
        'API.INTERNAL_ERROR',
        `importing ${failed.sku} failed; send the same batch id again`,
      );
    }
    outcomes.forEach((outcome, i) =>
      results.push({ ...rowOf(toSend[i].entry), ...this.resultOf(outcome.events) }),
    );
    return results;
  }

  private resultOf(events: InventoryEvent[]): Pick<CatalogueRowReportDto, 'result' | 'reason'> {
    if (events.some((e) => e.type === 'SkuRegistered')) return { result: 'registered' };
    if (events.some((e) => e.type === 'SkuSettingsChanged')) return { result: 'updated' };
    const rejected = events.find((e) => e.type === 'CommandRejected');
    if (!rejected || rejected.type !== 'CommandRejected') return { result: 'unchanged' };
    // Registered by someone else, with another kind, between our check and our append.
    const reason = rejected.data.reason;
    return {
      result: 'conflict',
      reason: reason === 'ALREADY_REGISTERED' ? 'already_registered' : `inventory_${reason.toLowerCase()}`,
    };
  }

  private count(report: CatalogueImportReportDto): void {
    this.metrics.catalogueImportRows.inc({ result: 'registered' }, report.registered);
    this.metrics.catalogueImportRows.inc({ result: 'updated' }, report.updated);
    this.metrics.catalogueImportRows.inc({ result: 'unchanged' }, report.unchanged);
    this.metrics.catalogueImportRows.inc({ result: 'duplicate_in_file' }, report.duplicateInFile);
    this.metrics.catalogueImportRows.inc({ result: 'conflict' }, report.conflict);
    this.metrics.catalogueImportRows.inc({ result: 'invalid' }, report.invalid);
  }
}
