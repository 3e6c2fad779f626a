import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('an app started with invalid configuration', () => {
  it('stops at boot with a message naming each bad variable', () => {
    const root = join(__dirname, '..');
    const result = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/projector/src/main.ts'],
      {
        cwd: root,
        env: { ...process.env, HTTP_PORT: 'eighty', KAFKA_BROKERS: 'no-port', TS_NODE_PROJECT: 'tsconfig.json' },
        encoding: 'utf8',
        timeout: 60000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/HTTP_PORT: expected int/);
    expect(result.stderr).toMatch(/KAFKA_BROKERS/);
  });
});
