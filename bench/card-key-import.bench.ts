/**
 * Card-key import rate through the real HTTP path: boots the operations API on a fresh database, registers a
 * card-key SKU and uploads a TXT file of IMPORT_KEYS keys (default 100,000, 1% duplicates), streamed, encrypted
 * into the vault and decided as one import. Baseline in the same run: the naive import, one vault insert per key
 * (its own statement and transaction), measured on 5,000 keys and extrapolated.
 *
 *   npm run bench -- bench/card-key-import.bench.ts   (IMPORT_KEYS=100000)
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { CardVault } from '@libs/card-vault';
import { createTestDatabase } from '@libs/testing';
import { startApiTestApp } from '../apps/api/test/api-test-app';
import { machine } from './lib/bench-infra';

const TOTAL = Number(process.env.IMPORT_KEYS ?? 100_000);
const BASELINE_SAMPLE = 5_000;

function keyFile(total: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < total; i++)
    lines.push(i % 100 === 99 ? lines[i - 50] : `CARD-${i}-${randomBytes(9).toString('base64url')}`);
  return Buffer.from(lines.join('\r\n'));
}

async function main(): Promise<void> {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  // The import path does not touch the broker; an unreachable address keeps the API from needing one.
  process.env.KAFKA_BROKERS ??= '127.0.0.1:1';
  const api = await startApiTestApp('bench_import');
  let imported = 0;
  let duplicates = 0;
  let seconds = 0;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  try {
    await api.call('POST', '/v1/skus', { json: { sku: 'rate', kind: 'cardKey' } });
    const body = keyFile(TOTAL);
    const started = process.hrtime.bigint();
    const res = await api.call('POST', '/v1/skus/rate/card-keys/import?batchId=rate-1', {
      body,
      contentType: 'text/plain',
    });
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
    ({ imported, duplicateInFile: duplicates } = res.body as { imported: number; duplicateInFile: number });
  } finally {
    clearInterval(sampler);
    await api.close();
  }

  const db = await createTestDatabase('bench_import_baseline');
  const vault = await CardVault.create(db.pool, {
    activeKeyId: 'k1',
    keys: { k1: randomBytes(32) },
    fingerprintKey: randomBytes(32),
  });
  const baselineStarted = process.hrtime.bigint();
  for (let i = 0; i < BASELINE_SAMPLE; i++) {
    await vault.store('rate', {
      unitId: `u-${i}`,
      secret: `CARD-${i}-${randomBytes(9).toString('base64url')}`,
    });
  }
  const baselineRate = BASELINE_SAMPLE / (Number(process.hrtime.bigint() - baselineStarted) / 1e9);
  await db.drop();

  const rate = TOTAL / seconds;
  console.log(`machine: ${machine()}`);
  console.log(
    `${TOTAL} rows (${imported} imported, ${duplicates} duplicates in the file) in ${seconds.toFixed(1)} s: ${Math.round(rate)} keys/s; process peak RSS ${Math.round(peakRss / 2 ** 20)} MiB`,
  );
  console.log(
    `  baseline, one vault insert per key: ${Math.round(baselineRate)} keys/s over ${BASELINE_SAMPLE}`,
  );
  console.log(`  ratio import/baseline: ${(rate / baselineRate).toFixed(1)}x`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
