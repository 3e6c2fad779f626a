import { createHash } from 'node:crypto';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extname, isAbsolute, join } from 'node:path';
import { Readable, Transform } from 'node:stream';

export interface CliContext {
  apiUrl: string;
  apiKey: string;
  stderr: NodeJS.WritableStream;
  stdout: NodeJS.WritableStream;
}

export interface ImportOptions {
  sku: string;
  file: string;
  batchId?: string;
  column?: string;
  /** A preview: the API answers the report and writes nothing. */
  dryRun?: boolean;
}

export interface CatalogueImportOptions {
  file: string;
  mapping: string;
  stockKindValues?: string;
  batchId?: string;
  dryRun?: boolean;
}

const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** How a file is sent, by its extension: .xlsx as a workbook, .csv as CSV, anything else as TXT (one key a line). */
export function uploadFormatOf(file: string): { format: 'txt' | 'csv' | 'xlsx'; contentType: string } {
  const ext = extname(file).toLowerCase();
  if (ext === '.xlsx') return { format: 'xlsx', contentType: XLSX_MEDIA_TYPE };
  if (ext === '.csv') return { format: 'csv', contentType: 'text/csv' };
  return { format: 'txt', contentType: 'text/plain' };
}

/** A progress line on stderr, redrawn in place on a terminal, a line every 10 % otherwise. */
function progress(total: number, stderr: NodeJS.WritableStream): Transform {
  let sent = 0;
  let lastDecile = -1;
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      const ratio = total > 0 ? sent / total : 1;
      const width = 30;
      const filled = Math.round(ratio * width);
      const line = `uploading [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0)}% ${sent}/${total} bytes`;
      if (tty) stderr.write(`\r${line}`);
      else if (Math.floor(ratio * 10) > lastDecile) {
        lastDecile = Math.floor(ratio * 10);
        stderr.write(`${line}\n`);
      }
      done(null, chunk);
    },
    flush(done) {
      if (tty) stderr.write('\n');
      stderr.write('upload done; waiting for the import report…\n');
      done();
    },
  });
}

/**
 * The default batch id: `sha256-` and the first 32 hex digits (128 bits) of the SHA-256 of the file's bytes. It
 * names the content, so the same file sent again under any name is the same batch (the API returns the first
 * report), and a new file that happens to have last week's name is a new batch.
 */
export async function contentBatchId(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return `sha256-${hash.digest('hex').slice(0, 32)}`;
}

/** Streams `file` as the body of a POST to `path`, with progress on stderr; the answer's status and text. */
async function upload(
  path: string,
  file: string,
  contentType: string,
  context: CliContext,
): Promise<{ ok: boolean; status: number; text: string }> {
  const size = statSync(file).size;
  const body = createReadStream(file).pipe(progress(size, context.stderr));
  const response = await fetch(`${context.apiUrl.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${context.apiKey}`,
      'content-type': contentType,
      'content-length': String(size),
    },
    body: Readable.toWeb(body) as ReadableStream,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
  return { ok: response.ok, status: response.status, text: await response.text() };
}

/** How a report begins: a preview, a replay or an import. */
function outcome(report: Record<string, unknown>, done: string): string {
  if (report.dryRun)
    return `preview, nothing written${report.replayed ? ' (batch already imported: its first report)' : ''}: would be ${done}`;
  return report.replayed ? 'batch already imported (first report below)' : done;
}

/**
 * `import-card-keys <sku> <file>`: streams the file (TXT, .csv or .xlsx, by its extension; the API also tells a
 * workbook by its bytes) to POST /v1/skus/:sku/card-keys/import, showing progress on stderr, and prints the report
 * (JSON) on stdout. The batch id defaults to the file's content hash, so running the same command twice imports
 * nothing the second time. `--dry-run` previews: the same report, nothing written. Exit code: 0 imported (or
 * previewed), 1 refused, 2 usage.
 */
export async function importCardKeys(options: ImportOptions, context: CliContext): Promise<number> {
  const { format, contentType } = uploadFormatOf(options.file);
  const batchId = options.batchId ?? (await contentBatchId(options.file));
  const query = new URLSearchParams({ batchId, format });
  if (options.column) query.set('column', options.column);
  if (options.dryRun) query.set('dryRun', 'true');
  const res = await upload(
    `/v1/skus/${encodeURIComponent(options.sku)}/card-keys/import?${query}`,
    options.file,
    contentType,
    context,
  );
  if (!res.ok) {
    context.stderr.write(`import refused (${res.status}): ${res.text}\n`);
    return 1;
  }
  const report = JSON.parse(res.text) as Record<string, unknown>;
  context.stderr.write(
    `${outcome(report, 'imported')}: ${report.imported} keys; ` +
      `${report.duplicateInFile} duplicates in the file, ${report.alreadyInPool} already in the pool, ${report.invalid} invalid\n`,
  );
  context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

/**
 * `import-catalogue <file> --mapping <field=column,...>`: streams a catalogue (.csv or .xlsx) to
 * POST /v1/catalogue/imports and prints the report. Batch id and `--dry-run` as for card keys.
 */
export async function importCatalogue(options: CatalogueImportOptions, context: CliContext): Promise<number> {
  const { contentType } = uploadFormatOf(options.file);
  const batchId = options.batchId ?? (await contentBatchId(options.file));
  const query = new URLSearchParams({ batchId, mapping: options.mapping });
  if (options.stockKindValues) query.set('stockKindValues', options.stockKindValues);
  if (options.dryRun) query.set('dryRun', 'true');
  // A .txt catalogue is CSV too: the catalogue import reads CSV or a workbook.
  const type = contentType === 'text/plain' ? 'text/csv' : contentType;
  const res = await upload(`/v1/catalogue/imports?${query}`, options.file, type, context);
  if (!res.ok) {
    context.stderr.write(`import refused (${res.status}): ${res.text}\n`);
    return 1;
  }
  const report = JSON.parse(res.text) as Record<string, unknown>;
  context.stderr.write(
    `${outcome(report, 'imported')}: ${report.registered} registered, ${report.updated} updated, ` +
      `${report.unchanged} unchanged, ${report.duplicateInFile} duplicates in the file, ${report.conflict} conflicts, ` +
      `${report.invalid} invalid\n`,
  );
  context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

export const TEMPLATE_KINDS = ['card-keys', 'catalogue'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/**
 * `import-template <card-keys|catalogue> [--format xlsx|csv] [--out FILE]`: downloads the import's template from
 * GET /v1/<kind>/imports/template (header and one example row, which the import refuses until it is replaced) and
 * writes it to FILE (default <kind>-template.<format> in the working directory).
 */
export async function downloadTemplate(
  options: { kind: TemplateKind; format: 'xlsx' | 'csv'; out?: string; cwd: string },
  context: CliContext,
): Promise<number> {
  const url = `${context.apiUrl.replace(/\/$/, '')}/v1/${options.kind}/imports/template?format=${options.format}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${context.apiKey}` } });
  if (!response.ok) {
    context.stderr.write(`template refused (${response.status}): ${await response.text()}\n`);
    return 1;
  }
  const out = options.out ?? `${options.kind}-template.${options.format}`;
  const path = isAbsolute(out) ? out : join(options.cwd, out);
  const body = Buffer.from(await response.arrayBuffer());
  writeFileSync(path, body);
  context.stderr.write(
    `wrote ${path} (${body.length} bytes): replace the example row, then ` +
      (options.kind === 'card-keys'
        ? 'stocksync import-card-keys <sku> <file>\n'
        : 'stocksync import-catalogue <file> --mapping ' +
          'sku=sku,name=name,stockKind=kind,lowStockThreshold=lowStockThreshold,perOrderCap=perOrderCap\n'),
  );
  return 0;
}
