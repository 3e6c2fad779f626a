import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTestDatabase,
  deleteTopicsWithPrefix,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@libs/testing';
import { type ServiceProcess, startServiceProcess } from './service-process';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');

function* compiledFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* compiledFiles(path);
    else if (path.endsWith('.js')) yield path;
  }
}

/** `node bin/stocksync.js <argv>`: the compiled CLI, seeing only the given environment. */
function compiledCli(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'stocksync.js'), ...argv], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The production build: `npm run build` compiles to dist/, and the apps and the CLI run from there with plain node,
 * no ts-node and no tsconfig-paths (the Docker image has neither). Two apps are started from dist/ against the real
 * PostgreSQL and broker, as the other e2e tests start them from their sources.
 */
describe('the compiled build (dist/)', () => {
  const prefix = uniqueTopicPrefix('compiled');
  const run = randomBytes(3).toString('hex');
  const bootstrapAdminKey = randomBytes(24).toString('base64url');
  let db: TestDatabase;
  let services: ServiceProcess[] = [];

  beforeAll(async () => {
    // Incremental (dist/.tsbuildinfo): next to nothing to do when .ci/run has just built, a full build otherwise,
    // so a local run never starts a dist/ older than the sources.
    // The apps only: the console's build (the rest of npm run build) would empty dist/console under the other e2e
    // suites that serve it.
    const build = spawnSync('npm', ['run', 'build:apps'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    if (build.status !== 0) throw new Error(`npm run build:apps failed:\n${build.stdout}\n${build.stderr}`);

    db = await createTestDatabase('compiled');
    const common = { DATABASE_URL: db.url, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
    services = await Promise.all([
      startServiceProcess('api', { ...common, API_BOOTSTRAP_ADMIN_KEY: bootstrapAdminKey }, 'dist'),
      startServiceProcess(
        'inventory-service',
        { ...common, INVENTORY_CONSUMER_GROUP: `inventory-${run}` },
        'dist',
      ),
    ]);
    await Promise.all(services.map((s) => s.ready(80_000)));
  }, 330_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await deleteTopicsWithPrefix(prefix).catch(() => undefined);
    await db?.drop();
  }, 30_000);

  it('compiles every app and the CLI, with no path alias and no development-only loader left in the output', () => {
    for (const app of [
      'api',
      'cli',
      'inventory-service',
      'projector',
      'reconciler',
      'connector-taobao',
      'connector-pinduoduo',
      'connector-miniprogram',
      'connector-shop',
    ]) {
      expect(statSync(join(DIST, 'apps', app, 'src', 'main.js')).isFile()).toBe(true);
    }
    const offending = [...compiledFiles(DIST)].filter((file) =>
      /require\(["'](?:@libs\/|ts-node|tsconfig-paths)/.test(readFileSync(file, 'utf8')),
    );
    expect(offending).toEqual([]);
  });

  it.each(['api', 'inventory-service'])(
    '%s, started from dist/, answers /health/ready 200 with every indicator up',
    async (app) => {
      const service = services.find((s) => s.app === app)!;
      const ready = await fetch(`${service.url}/health/ready`);
      expect(ready.status).toBe(200);
      const report = (await ready.json()) as { status: string; details: Record<string, { status: string }> };
      expect(report.status).toBe('ok');
      expect(Object.fromEntries(Object.entries(report.details).map(([key, d]) => [key, d.status]))).toEqual({
        postgres: 'up',
        kafka: 'up',
        consumers: 'up',
      });
    },
  );

  it('the compiled CLI (bin/stocksync.js) reaches the compiled API with a key it created', async () => {
    const api = services.find((s) => s.app === 'api')!;
    const created = await fetch(`${api.url}/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapAdminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `compiled-${run}`, role: 'admin' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };

    const help = await compiledCli(['--help'], {});
    expect({ code: help.code, usage: help.stderr.split('\n')[0] }).toEqual({
      code: 0,
      usage: 'usage: stocksync <command>',
    });

    // No projector ever ran on this database: an authenticated request gets the API's answer for missing read
    // models, an unknown key gets 401. Either way the answer came from the compiled API through the compiled CLI.
    const env = { STOCKSYNC_API_URL: api.url, STOCKSYNC_API_KEY: key };
    const sku = await compiledCli(['sku', `NO-SUCH-${run}`], env);
    expect(sku.code).toBe(1);
    expect(sku.stderr).toMatch(/503 API\.SERVICE_UNAVAILABLE the read models are not there yet/);
    const refused = await compiledCli(['sku', `NO-SUCH-${run}`], { ...env, STOCKSYNC_API_KEY: 'not-a-key' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/401 API\.UNAUTHORIZED/);
  });
});
