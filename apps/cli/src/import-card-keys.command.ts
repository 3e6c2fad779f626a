import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extname } from 'node:path';
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

/**
 * `import-card-keys <sku> <file>`: streams the file to POST /v1/skus/:sku/card-keys/import, showing progress on
 * stderr, and prints the report (JSON) on stdout. The batch id defaults to the file's content hash, so running the
 * same command twice imports nothing the second time. Exit code: 0 imported, 1 refused, 2 usage.
 */
export async function importCardKeys(options: ImportOptions, context: CliContext): Promise<number> {
  const size = statSync(options.file).size;
  const format = extname(options.file).toLowerCase() === '.csv' ? 'csv' : 'txt';
  const batchId = options.batchId ?? (await contentBatchId(options.file));
  const query = new URLSearchParams({ batchId, format });
  if (options.column) query.set('column', options.column);
  const url = `${context.apiUrl.replace(/\/$/, '')}/v1/skus/${encodeURIComponent(options.sku)}/card-keys/import?${query}`;

  const body = createReadStream(options.file).pipe(progress(size, context.stderr));
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${context.apiKey}`,
      'content-type': format === 'csv' ? 'text/csv' : 'text/plain',
      'content-length': String(size),
    },
    body: Readable.toWeb(body) as ReadableStream,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
  const text = await response.text();
  if (!response.ok) {
    context.stderr.write(`import refused (${response.status}): ${text}\n`);
    return 1;
  }
  const report = JSON.parse(text) as Record<string, unknown>;
  context.stderr.write(
    `${report.replayed ? 'batch already imported (first report below)' : 'imported'}: ${report.imported} keys; ` +
      `${report.duplicateInFile} duplicates in the file, ${report.alreadyInPool} already in the pool, ${report.invalid} invalid\n`,
  );
  context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}
