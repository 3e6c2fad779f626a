/**
 * Card-key import rate through the real HTTP path: boots the API on a fresh database of DATABASE_URL, registers a
 * card-key SKU and uploads a TXT file of N keys (default 100,000, 1% duplicates).
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     npx ts-node --transpile-only -r tsconfig-paths/register apps/api/scripts/measure-import-rate.ts [keys]
 */
import 'reflect-metadata';
import { startApiTestApp } from '../test/api-test-app';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 100_000);
  process.env.KAFKA_BROKERS ??= '127.0.0.1:1';
  const api = await startApiTestApp('import_rate');
  try {
    await api.call('POST', '/v1/skus', { json: { sku: 'rate', kind: 'cardKey' } });
    const lines: string[] = [];
    for (let i = 0; i < total; i++)
      lines.push(i % 100 === 99 ? lines[i - 50] : `CARD-${i}-${Math.random().toString(36).slice(2)}`);
    const body = Buffer.from(lines.join('\r\n'));
    const started = process.hrtime.bigint();
    const res = await api.call('POST', '/v1/skus/rate/card-keys/import?batchId=rate-1', {
      body,
      contentType: 'text/plain',
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { imported, duplicateInFile } = res.body as { imported: number; duplicateInFile: number };
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
    process.stdout.write(
      `${total} rows (${imported} imported, ${duplicateInFile} duplicates) in ${seconds.toFixed(2)} s: ` +
        `${Math.round(total / seconds)} keys/s, rss ${rss} MiB\n`,
    );
  } finally {
    await api.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
