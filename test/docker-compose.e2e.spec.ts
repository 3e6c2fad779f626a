import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKeyring } from '@libs/card-vault';
import { type ConfigDefinition, configDefinitionsOf, loadAll, type VariableSpec } from '@libs/config';
import { load } from 'js-yaml';
import { parseEnvFile } from '../apps/cli/src/init.command';
import { cliFromSources } from '../apps/cli/test/run-binary';
import { APPS } from '../apps/engine/src/apps';

const ROOT = join(__dirname, '..');

function init(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, cliFromSources(['init', ...args]), {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
  });
}

/**
 * What an app cannot run in production without, read from its own configuration schema (the namespaces its module
 * imports): variables required outside embedded mode, secrets `stocksync init` generates, whole groups around a
 * generated secret (the vault), and what a set variable requires (the service token).
 */
function neededBy(definitions: ConfigDefinition<object>[], composeNames: Set<string>): Set<string> {
  const needed = new Set<string>();
  const specs = definitions.flatMap((d) => Object.values(d.variables) as VariableSpec[]);
  for (const d of definitions) {
    const vars = d.variables as Record<string, VariableSpec>;
    for (const s of Object.values(vars)) if (s.requiredUnlessEmbedded || s.generate) needed.add(s.name);
    for (const g of d.allOrNone)
      if (g.keys.some((k) => vars[k]!.generate)) for (const k of g.keys) needed.add(vars[k]!.name);
  }
  for (const s of specs)
    if (needed.has(s.name) || composeNames.has(s.name)) for (const r of s.requires ?? []) needed.add(r);
  return needed;
}

describe('docker-compose.yml and `stocksync init`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stocksync-init-'));
  const envFile = join(dir, '.env');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let dotenv: Map<string, string>;
  let services: Record<string, { environment?: Record<string, string | number> }>;

  beforeAll(() => {
    const first = init(dir);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(envFile);
    dotenv = parseEnvFile(readFileSync(envFile, 'utf8'));
    services = (load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: typeof services })
      .services;
  });

  it('writes .env readable by its owner only and refuses to overwrite it unless --force', () => {
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const before = readFileSync(envFile, 'utf8');
    const again = init(dir);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--force/s);
    expect(readFileSync(envFile, 'utf8')).toBe(before);

    const forced = init(dir, '--force');
    expect(forced.status).toBe(0);
    const after = readFileSync(envFile, 'utf8');
    expect(after).not.toBe(before);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    dotenv = parseEnvFile(after);
  });

  it('generates well-formed, distinct keys: a usable vault keyring, the hash of the service token', () => {
    const keys = parseKeyring(dotenv.get('CARD_VAULT_KEYS')!);
    const active = dotenv.get('CARD_VAULT_ACTIVE_KEY_ID')!;
    expect(keys[active]).toHaveLength(32);
    expect(Buffer.from(dotenv.get('CARD_VAULT_FINGERPRINT_KEY')!, 'base64')).toHaveLength(32);
    expect(dotenv.get('SERVICE_TOKEN_HASHES')).toBe(
      createHash('sha256').update(dotenv.get('SERVICE_TOKEN')!).digest('hex'),
    );
    const generated = [...dotenv.entries()]
      .filter(([n, v]) => v !== '' && !/_ID$|_HASHES$/.test(n))
      .map(([, v]) => v);
    expect(new Set(generated).size).toBe(generated.length);
  });

  it.each(Object.keys(APPS))('sets every variable %s needs, secrets from .env only', (app) => {
    const environment = services[app]?.environment;
    expect(environment).toBeDefined();
    const definitions = configDefinitionsOf(APPS[app]!);
    const composeNames = new Set(Object.keys(environment!));
    const needed = neededBy(definitions, composeNames);
    expect([...needed].filter((n) => !composeNames.has(n))).toEqual([]);

    const specs = new Map(
      definitions.flatMap((d) => Object.values(d.variables) as VariableSpec[]).map((s) => [s.name, s]),
    );
    const resolved: Record<string, string> = {};
    for (const [name, raw] of Object.entries(environment!)) {
      const text = String(raw);
      const spec = specs.get(name);
      // A secret is never written into the compose file itself.
      if (spec?.secret) expect(`${name}=${text}`).toMatch(/\$\{[A-Z0-9_]+:\?/);
      resolved[name] = text.replace(/\$\{([A-Z0-9_]+):\?[^}]*\}/g, (_, ref: string) => {
        expect(dotenv.has(ref)).toBe(true);
        const value = dotenv.get(ref)!;
        // What init generates is there; what only the operator has is left empty, and compose stops until it is set.
        if (spec?.generate) expect(`${ref}=${value}`).not.toBe(`${ref}=`);
        if (value !== '') return value;
        return name.endsWith('_URL') ? 'https://platform.example' : `operator-supplied-${ref.toLowerCase()}`;
      });
    }
    // The app's own loader accepts it, in production mode (no STOCKSYNC_EMBEDDED).
    expect(() => loadAll(definitions, resolved)).not.toThrow();
  });
});
