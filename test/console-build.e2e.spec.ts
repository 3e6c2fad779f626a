import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/**
 * The console is always built for production, whoever builds it: Jest runs with NODE_ENV=test (and
 * test/compiled-build.e2e.spec.ts runs `npm run build` under it), and a development build of React runs every effect
 * twice under StrictMode and ships its dev-only checks.
 */
describe('npm run build:console', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'stocksync-console-build-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('given NODE_ENV=test in the environment, builds the production bundle all the same', () => {
    execFileSync(process.execPath, ['scripts/build-console.js', '--outDir', outDir, '--emptyOutDir'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test' },
      stdio: 'pipe',
    });
    const assets = join(outDir, 'assets');
    const bundle = readdirSync(assets)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(assets, f), 'utf8'))
      .join('\n');
    expect(bundle.length).toBeGreaterThan(10_000);
    // The development JSX runtime, and a warning only React's development build carries.
    expect(bundle).not.toContain('jsxDEV');
    expect(bundle).not.toContain('Each child in a list should have a unique "key" prop');
    expect(readFileSync(join(outDir, 'index.html'), 'utf8')).toContain('/console/assets/');
  }, 120_000);
});
