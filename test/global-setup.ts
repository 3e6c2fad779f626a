import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const KAFKA_SCRIPT = join(__dirname, '..', 'deploy', 'local', 'kafka', 'kafka.sh');

/**
 * Integration and e2e tiers talk to a real broker and a real PostgreSQL. When KAFKA_BROKERS is unset we start
 * the project's own single-node KRaft broker and stop it in the global teardown; never a silent skip.
 */
export default async function globalSetup(): Promise<void> {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  if (process.env.KAFKA_BROKERS) return;

  const missing = ['java', 'mvn'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0) {
    throw new Error(
      `Cannot start the local Kafka broker: ${missing.join(' and ')} not found on PATH. ` +
        'Install Java 17 and Maven, or point the tests at a running broker with KAFKA_BROKERS=host:port.',
    );
  }
  const port = process.env.STOCKSYNC_TEST_KAFKA_PORT ?? '19092';
  const env = { ...process.env, KAFKA_PORT: port };
  // A broker another run already started on this port is used, not claimed: its owner stops it.
  const alreadyRunning = spawnSync('bash', [KAFKA_SCRIPT, 'status'], { env }).status === 0;
  execFileSync('bash', [KAFKA_SCRIPT, 'start'], {
    stdio: 'inherit',
    env,
  });
  process.env.KAFKA_BROKERS = `127.0.0.1:${port}`;
  if (!alreadyRunning) process.env.STOCKSYNC_TEST_STARTED_KAFKA = '1';
}
