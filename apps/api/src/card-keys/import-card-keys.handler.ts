import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { CardToStore, CardVault } from '@libs/card-vault';
import { uuidV5 } from '@libs/command-handling';
import { type CardKeyUnitInput, type ImportCardKeys, mapHas, type SkipReason } from '@libs/inventory';
import { ApiConfig } from '../api.config';
import { ApiError } from '../common/api-error';
import { ApiMetrics } from '../common/api-metrics';
import { InventoryCommands } from '../common/inventory-commands.service';
import type { TableUpload } from '../uploads/upload-source';
import { CardKeyImportsRepository } from './card-key-imports.repository';
import { CARD_VAULT } from './card-vault.provider';
import { importRows, type InvalidReason } from './import-rows';
import type { ImportIssueDto, ImportReportDto } from './import-report';

/** Unit ids of imported keys: a name-based UUID of (SKU, fingerprint), so a retried import reuses its vault rows. */
const UNIT_ID_NAMESPACE = 'b3f0c6a2-5d1e-4f8a-9c7b-2e4d6a8f0c13';

export interface ImportCardKeysRequest {
  sku: string;
  batchId: string;
  upload: TableUpload;
  column?: string;
  actor: string;
  /** A preview: the same report, with nothing sealed, appended or stored. */
  dryRun?: boolean;
}

/** A key's unit id: derived from its SKU and fingerprint, so an import cut short and retried adopts its vault rows. */
export function unitIdFor(sku: string, fingerprint: string): string {
  return uuidV5(`${sku}\n${fingerprint}`, UNIT_ID_NAMESPACE);
}

interface PendingUnit {
  line: number;
  unitId: string;
  fingerprint: string;
  loop: boolean;
}

/**
 * Card-key import (上货), streamed: rows are read one line at a time, their secrets sealed into the vault a chunk
 * at a time, then one ImportCardKeys command (unit ids and fingerprints only) adds the batch to stock in one
 * append. Atomic per batch: keys in the vault are not stock until that append; an import cut short leaves
 * vault rows that a retry of the batch adopts (same unit ids) instead of duplicating. Idempotent by batch id:
 * the first report is stored and returned again. A dry run reads and checks every row the same way (duplicates in
 * the file, keys already in the pool by fingerprint against the SKU's state) and answers the report it would give,
 * writing nothing: no vault row, no event, no stored report.
 */
@Injectable()
export class ImportCardKeysHandler {
  constructor(
    @Inject(CARD_VAULT) private readonly vault: CardVault | null,
    private readonly commands: InventoryCommands,
    private readonly reports: CardKeyImportsRepository,
    private readonly config: ApiConfig,
    private readonly metrics: ApiMetrics,
  ) {}

  /** The stored report of an earlier import of this batch, if any. */
  previous(sku: string, batchId: string): Promise<ImportReportDto | null> {
    return this.reports.find(sku, batchId);
  }

  async handle(request: ImportCardKeysRequest): Promise<ImportReportDto> {
    const vault = this.vault;
    if (!vault) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'API.SERVICE_UNAVAILABLE',
        'the card vault is not configured',
      );
    }
    const { sku, batchId } = request;
    const { state } = await this.commands.loadState(sku);
    if (state.kind === null) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'INVENTORY.UNKNOWN_SKU', `SKU ${sku} is not registered`);
    }
    if (state.kind !== 'cardKey') {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'INVENTORY.KIND_MISMATCH',
        `SKU ${sku} holds ${state.kind} stock, not card keys`,
      );
    }
    // When the batch is already in the stream (its report was lost), the command's first outcome says what
    // each unit became; checking fingerprints against the state would call this batch's own keys duplicates.
    const batchApplied = mapHas(state.batches, batchId);

    const report: ImportReportDto = {
      sku,
      batchId,
      replayed: false,
      format: request.upload.format,
      lines: 0,
      rows: 0,
      blankLines: 0,
      imported: 0,
      duplicateInFile: 0,
      alreadyInPool: 0,
      invalid: 0,
      version: 0,
      issues: [],
    };
    const issue = (entry: ImportIssueDto) => report.issues.push(entry);
    const invalid = (line: number, reason: InvalidReason) => issue({ line, result: 'invalid', reason });

    const firstLineOf = new Map<string, number>();
    const units: PendingUnit[] = [];
    let chunk: (CardToStore & { line: number; loop: boolean })[] = [];

    const store = async (batch: typeof chunk) => {
      const stored = await vault.storeBatch(sku, batch);
      const byUnit = new Map(batch.map((c) => [c.unitId, c]));
      for (const s of stored.stored) {
        const c = byUnit.get(s.unitId)!;
        units.push({ line: c.line, unitId: s.unitId, fingerprint: s.fingerprint, loop: c.loop });
      }
      // Already in the vault under this SKU but not in stock (the state was checked first): a vault row left
      // by an import cut short. Its unit id holds this very secret, so the command adopts it.
      for (const d of stored.duplicates) {
        const c = byUnit.get(d.unitId)!;
        units.push({ line: c.line, unitId: d.existingUnitId, fingerprint: d.fingerprint, loop: c.loop });
      }
      for (const r of stored.rejected) {
        const c = byUnit.get(r.unitId)!;
        invalid(c.line, r.reason === 'invalid_secret' ? 'secret_too_long' : 'unit_id_taken');
      }
    };
    // One chunk is written to the vault while the next is read from the upload; at most two are in memory.
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      const batch = chunk;
      chunk = [];
      await writing;
      if (batch.length > 0) writing = store(batch);
    };

    try {
      for await (const row of importRows(request.upload, { column: request.column })) {
        report.lines = row.line;
        if (row.kind === 'blank') {
          report.blankLines += 1;
          continue;
        }
        report.rows += 1;
        if (report.rows > this.config.importMaxRows) {
          throw new ApiError(
            HttpStatus.PAYLOAD_TOO_LARGE,
            'IMPORT.TOO_MANY_ROWS',
            `an import holds at most ${this.config.importMaxRows} rows; split the file into several batches`,
          );
        }
        if (row.kind === 'invalid') {
          invalid(row.line, row.reason);
          continue;
        }
        const fingerprint = vault.fingerprint(row.secret);
        const first = firstLineOf.get(fingerprint);
        if (first !== undefined) {
          issue({ line: row.line, result: 'duplicate_in_file', duplicateOfLine: first });
          continue;
        }
        firstLineOf.set(fingerprint, row.line);
        if (!batchApplied && mapHas(state.fingerprints, fingerprint)) {
          issue({ line: row.line, result: 'already_in_pool' });
          continue;
        }
        if (request.dryRun) {
          report.imported += 1;
          continue;
        }
        const unitId = unitIdFor(sku, fingerprint);
        chunk.push({ unitId, secret: row.secret, line: row.line, loop: row.loop });
        if (chunk.length >= this.config.importChunkSize) await flush();
      }
      await flush();
    } finally {
      // Even when reading fails, the write in flight is awaited, so its failure is never left unobserved.
      await writing.catch(() => undefined);
    }
    await writing;

    if (units.length > 0) {
      units.sort((a, b) => a.line - b.line);
      const input: CardKeyUnitInput[] = units.map((u) => ({
        unitId: u.unitId,
        fingerprint: u.fingerprint,
        loop: u.loop,
      }));
      const outcome = await this.commands.send<ImportCardKeys>(
        'ImportCardKeys',
        sku,
        { batchId, units: input },
        request.actor,
        `card-key-import:${batchId}`,
      );
      report.version = outcome.version;
      this.classify(report, units, outcome.events);
    }
    report.issues.sort((a, b) => a.line - b.line);
    for (const i of report.issues) {
      if (i.result === 'duplicate_in_file') report.duplicateInFile += 1;
      else if (i.result === 'already_in_pool') report.alreadyInPool += 1;
      else report.invalid += 1;
    }
    if (request.dryRun) return { ...report, dryRun: true };
    const saved = await this.reports.saveFirst(report, request.actor);
    if (saved.first) this.count(report);
    return saved.report;
  }

  /** What the inventory made of each unit: the event is the truth (a concurrent import may have won a key). */
  private classify(
    report: ImportReportDto,
    units: PendingUnit[],
    events: { type: string; data: unknown }[],
  ): void {
    // A large batch is recorded in parts (CardKeysImported with part/parts), decided together.
    const parts = events.filter((e) => e.type === 'CardKeysImported');
    if (parts.length === 0) {
      throw new ApiError(
        HttpStatus.INTERNAL_SERVER_ERROR,
        'API.INTERNAL_ERROR',
        'the import produced no CardKeysImported event',
      );
    }
    const data = parts.map(
      (e) =>
        e.data as {
          units: { unitId: string }[];
          skipped: { unitId: string; reason: SkipReason }[];
        },
    );
    const added = new Set(data.flatMap((d) => d.units.map((u) => u.unitId)));
    const skipped = new Map(data.flatMap((d) => d.skipped.map((s) => [s.unitId, s.reason] as const)));
    for (const unit of units) {
      if (added.has(unit.unitId)) {
        report.imported += 1;
        continue;
      }
      const reason = skipped.get(unit.unitId);
      if (reason === 'ALREADY_IN_POOL') report.issues.push({ line: unit.line, result: 'already_in_pool' });
      else if (reason === 'DUPLICATE_IN_BATCH')
        report.issues.push({ line: unit.line, result: 'duplicate_in_file' });
      else report.issues.push({ line: unit.line, result: 'invalid', reason: 'unit_id_taken' });
    }
  }

  private count(report: ImportReportDto): void {
    this.metrics.importRows.inc({ result: 'imported' }, report.imported);
    this.metrics.importRows.inc({ result: 'duplicate_in_file' }, report.duplicateInFile);
    this.metrics.importRows.inc({ result: 'already_in_pool' }, report.alreadyInPool);
    this.metrics.importRows.inc({ result: 'invalid' }, report.invalid);
  }
}
