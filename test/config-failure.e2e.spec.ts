import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Variables a test run may have in its environment that would hide what an app is missing. */
const INHERITED =
  /^(DATABASE_URL|KAFKA_BROKERS|STOCKSYNC_EMBEDDED|CONNECTOR_|CARD_VAULT_|RECONCILE_|API_|SERVICE_TOKEN|HTTP_PORT$)/;

interface Exit {
  status: number | null;
  stderr: string;
}

/** Runs an app's own main.ts, as deployed, with nothing of the test's configuration but `env`. */
function runApp(app: string, env: Record<string, string>): Promise<Exit> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED.test(name)));
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${app}/src/main.ts`],
    { cwd: ROOT, env: { ...base, TS_NODE_PROJECT: 'tsconfig.json', HTTP_PORT: '0', ...env }, stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  child.stdout.resume();
  // A process that boots instead of stopping is killed, and the assertions below say what was expected.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    }),
  );
}

/** Exactly one configuration message, naming every variable in `names`. */
function expectOneMessageNaming(exit: Exit, names: string[]): void {
  expect(exit.status).toBe(1);
  expect(exit.stderr.match(/Invalid configuration/g)).toHaveLength(1);
  for (const name of names) expect(exit.stderr).toMatch(new RegExp(`\\b${name}\\b`));
}

const SERVERS = ['DATABASE_URL', 'KAFKA_BROKERS'];
const PARTIAL_VAULT_SECRET = 'k1:cGFydGlhbC12YXVsdC1rZXktdGhhdC1tdXN0LW5vdC1sZWFr';

describe('an app started with invalid configuration', () => {
  jest.setTimeout(120_000);

  it('stops at boot with a message naming each bad variable', async () => {
    const exit = await runApp('projector', {
      HTTP_PORT: 'eighty',
      KAFKA_BROKERS: 'no-port',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    expect(exit.status).toBe(1);
    expect(exit.stderr).toMatch(/HTTP_PORT: expected int/);
    expect(exit.stderr).toMatch(/KAFKA_BROKERS/);
  });
});

/**
 * No silent fallbacks: the embedded PostgreSQL, the in-memory bus and the simulated platforms are for
 * STOCKSYNC_EMBEDDED=1 only. A production app missing a server, a platform or part of a secret group stops at
 * boot, before it connects anywhere, with one message that names everything to fix.
 */
describe('a production app that is not fully configured', () => {
  jest.setTimeout(120_000);

  it.each(['inventory-service', 'projector'])('%s names the database and the brokers', async (app) => {
    expectOneMessageNaming(await runApp(app, {}), SERVERS);
  });

  it('api names the servers and the missing part of the card vault, never echoing the part given', async () => {
    const exit = await runApp('api', { CARD_VAULT_KEYS: PARTIAL_VAULT_SECRET });
    expectOneMessageNaming(exit, [...SERVERS, 'CARD_VAULT_ACTIVE_KEY_ID', 'CARD_VAULT_FINGERPRINT_KEY']);
    expect(exit.stderr).not.toContain(PARTIAL_VAULT_SECRET.slice(3));
  });

  it('reconciler names the servers and the connectors it reconciles', async () => {
    expectOneMessageNaming(await runApp('reconciler', {}), [...SERVERS, 'RECONCILE_CONNECTORS']);
  });

  it('reconciler given its connectors but not the token to call them names the token', async () => {
    const exit = await runApp('reconciler', { RECONCILE_CONNECTORS: 'shop=http://127.0.0.1:3013' });
    expectOneMessageNaming(exit, [...SERVERS, 'SERVICE_TOKEN']);
  });

  it.each([
    ['connector-taobao', ['CONNECTOR_APP_KEY']],
    ['connector-pinduoduo', ['CONNECTOR_APP_KEY']],
    ['connector-miniprogram', []],
    ['connector-shop', []],
  ])(
    '%s names the servers, the platform, its credentials and the missing part of the vault',
    async (app, extra) => {
      const exit = await runApp(app, {
        CARD_VAULT_FINGERPRINT_KEY: 'ZmluZ2VycHJpbnQta2V5LXRoYXQtaXMtbG9uZy1lbm91Z2g=',
      });
      expectOneMessageNaming(exit, [
        ...SERVERS,
        'CONNECTOR_PLATFORM_URL',
        'CONNECTOR_APP_SECRET',
        'CONNECTOR_WEBHOOK_SECRETS',
        ...extra,
        'CARD_VAULT_KEYS',
        'CARD_VAULT_ACTIVE_KEY_ID',
      ]);
    },
  );

  it('a connector with its platform URL but no secret names the rest of the credential group', async () => {
    const exit = await runApp('connector-shop', {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      KAFKA_BROKERS: '127.0.0.1:9',
      CONNECTOR_PLATFORM_URL: 'https://shop.example',
    });
    expectOneMessageNaming(exit, ['CONNECTOR_APP_SECRET', 'CONNECTOR_WEBHOOK_SECRETS']);
    expect(exit.stderr).not.toMatch(/CONNECTOR_PLATFORM_URL/);
  });

  it('a 分站 connector whose CONNECTOR_CHANNEL is no channel code names it and the rule', async () => {
    const exit = await runApp('connector-shop', {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      KAFKA_BROKERS: '127.0.0.1:9',
      CONNECTOR_PLATFORM_URL: 'https://substation-7.example',
      CONNECTOR_APP_SECRET: 'substation-7-api-secret',
      CONNECTOR_WEBHOOK_SECRETS: 'substation-7-webhook-secret',
      CONNECTOR_CHANNEL: 'Substation 7',
    });
    expectOneMessageNaming(exit, ['CONNECTOR_CHANNEL']);
    expect(exit.stderr).toContain('must be a channel code');
  });
});
