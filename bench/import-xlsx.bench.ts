/**
 * .xlsx card-key import rate beside the CSV rate, in the same run, through the real HTTP path: boots the
 * operations API on a fresh database, registers two card-key SKUs and uploads the same IMPORT_ROWS keys (default
 * 100,000, 1% duplicates) to each, once as CSV (a `secret` column) and once as an .xlsx workbook written by exceljs's
 * streaming writer (shared strings, as Excel saves). Both are streamed, checked, sealed into the vault and decided
 * as one import; the .xlsx one is first written to a temporary file and its archive checked. Baseline: the CSV
 * import of the same rows, in the same process. Both paths are warmed up first (WARMUP_ROWS of each into SKUs of
 * their own): the first import of a process pays for JIT and cold caches, which would favour whichever runs second.
 * Then the reading alone (the table's rows from the same bytes, no database): what the format itself costs.
 *
 *   npm run bench -- bench/import-xlsx.bench.ts   (IMPORT_ROWS=100000)
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiTestApp } from '../apps/api/test/api-test-app';
import { readCsvTable } from '../apps/api/src/uploads/csv';
import { readLines } from '../apps/api/src/uploads/line-reader';
import { readXlsxTable } from '../apps/api/src/uploads/xlsx';
import { writeXlsx } from '../apps/api/test/xlsx-fixtures';
import { XLSX_MEDIA_TYPE } from '../apps/api/src/uploads/xlsx';
import { machine } from './lib/bench-infra';

const TOTAL = Number(process.env.IMPORT_ROWS ?? 100_000);
const WARMUP = Number(process.env.WARMUP_ROWS ?? 5_000);

/** Rows per second of reading the table alone, best of three. */
async function readRate(read: () => AsyncIterable<unknown>): Promise<number> {
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    let rows = 0;
    for await (const _ of read()) rows += 1;
    best = Math.max(best, rows / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  return best;
}

function keys(total: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < total; i++)
    out.push(i % 100 === 99 ? out[i - 50] : `CARD-${i}-${randomBytes(9).toString('base64url')}`);
  return out;
}

async function main(): Promise<void> {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  const dir = mkdtempSync(join(tmpdir(), 'bench-xlsx-'));
  const rows = keys(TOTAL);
  const csv = Buffer.from(['secret', ...rows].join('\r\n') + '\r\n');
  const path = join(dir, 'keys.xlsx');
  await writeXlsx(path, [['secret'], ...rows.map((k) => [k])]);
  const xlsx = readFileSync(path);
  const warmCsv = Buffer.from(['secret', ...keys(WARMUP)].join('\r\n'));
  const warmPath = join(dir, 'warm.xlsx');
  await writeXlsx(warmPath, [['secret'], ...keys(WARMUP).map((k) => [k])]);
  const warmXlsx = readFileSync(warmPath);

  const api = await startApiTestApp('bench_import_xlsx');
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const results: { format: string; bytes: number; seconds: number; imported: number; duplicates: number }[] =
    [];
  try {
    for (const [format, body, type] of [
      ['csv', warmCsv, 'text/csv'],
      ['xlsx', warmXlsx, XLSX_MEDIA_TYPE],
    ] as const) {
      await api.call('POST', '/v1/skus', { json: { sku: `warm-${format}`, kind: 'cardKey' } });
      await api.call('POST', `/v1/skus/warm-${format}/card-keys/import?batchId=warm-1`, {
        body,
        contentType: type,
      });
    }
    for (const [format, body, type] of [
      ['csv', csv, 'text/csv'],
      ['xlsx', xlsx, XLSX_MEDIA_TYPE],
    ] as const) {
      await api.call('POST', '/v1/skus', { json: { sku: `rate-${format}`, kind: 'cardKey' } });
      const started = process.hrtime.bigint();
      const res = await api.call('POST', `/v1/skus/rate-${format}/card-keys/import?batchId=rate-1`, {
        body,
        contentType: type,
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (res.status !== 200)
        throw new Error(`${format} import answered ${res.status}: ${JSON.stringify(res.body)}`);
      const report = res.body as { imported: number; duplicateInFile: number };
      results.push({
        format,
        bytes: body.length,
        seconds,
        imported: report.imported,
        duplicates: report.duplicateInFile,
      });
    }
  } finally {
    clearInterval(sampler);
    await api.close();
  }
  const csvRead = await readRate(() =>
    readCsvTable(
      readLines(
        (async function* () {
          yield csv;
        })(),
      ),
    ),
  );
  const xlsxRead = await readRate(() => readXlsxTable(path, 16_384));
  rmSync(dir, { recursive: true, force: true });

  const rate = (r: (typeof results)[number]) => TOTAL / r.seconds;
  console.log(`machine: ${machine()}`);
  for (const r of results) {
    console.log(
      `${r.format.padEnd(4)} ${TOTAL} rows, ${(r.bytes / 2 ** 20).toFixed(1)} MiB (${r.imported} imported, ${r.duplicates} duplicates in the file) in ${r.seconds.toFixed(1)} s: ${Math.round(rate(r))} rows/s`,
    );
  }
  const [fromCsv, fromXlsx] = results;
  console.log(`  baseline, the same rows as CSV in this run: ${Math.round(rate(fromCsv))} rows/s`);
  console.log(`  ratio xlsx/csv: ${(rate(fromXlsx) / rate(fromCsv)).toFixed(2)}x`);
  console.log(
    `reading alone (no database, best of 3): csv ${Math.round(csvRead)} rows/s, xlsx ${Math.round(xlsxRead)} rows/s, ratio xlsx/csv ${(xlsxRead / csvRead).toFixed(2)}x`,
  );
  console.log(
    `  process peak RSS (API, inventory service and this client in one process): ${Math.round(peakRss / 2 ** 20)} MiB`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
