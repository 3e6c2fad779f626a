import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@libs/testing';

const KAFKA_SCRIPT = join(__dirname, '..', '..', 'deploy', 'local', 'kafka', 'kafka.sh');

export interface BenchInfra {
  db: TestDatabase;
  brokers: string[];
  close(): Promise<void>;
}

/**
 * A fresh database on DATABASE_URL and a broker: KAFKA_BROKERS if set, otherwise the project's local broker on
 * BENCH_KAFKA_PORT (default 19592), started here and stopped at the end.
 */
export async function benchInfra(label: string): Promise<BenchInfra> {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = await createTestDatabase(`bench_${label}`, 8);
  let stopKafka = () => undefined as void;
  if (!process.env.KAFKA_BROKERS) {
    const env = { ...process.env, KAFKA_PORT: process.env.BENCH_KAFKA_PORT ?? '19592' };
    const running = spawnSync('bash', [KAFKA_SCRIPT, 'status'], { env }).status === 0;
    execFileSync('bash', [KAFKA_SCRIPT, 'start'], { env, stdio: 'inherit' });
    process.env.KAFKA_BROKERS = `127.0.0.1:${env.KAFKA_PORT}`;
    if (!running)
      stopKafka = () => void execFileSync('bash', [KAFKA_SCRIPT, 'stop'], { env, stdio: 'inherit' });
  }
  return {
    db,
    brokers: process.env.KAFKA_BROKERS.split(','),
    async close() {
      await db.drop();
      stopKafka();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
