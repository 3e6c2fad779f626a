import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  if (process.env.STOCKSYNC_TEST_STARTED_KAFKA !== '1') return;
  execFileSync('bash', [join(__dirname, '..', 'deploy', 'local', 'kafka', 'kafka.sh'), 'stop'], {
    stdio: 'inherit',
    env: { ...process.env, KAFKA_PORT: process.env.STOCKSYNC_TEST_KAFKA_PORT ?? '19092' },
  });
}
