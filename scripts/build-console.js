// Builds the operations console (apps/console) into dist/console with Vite, always as a production build: React's
// development build (and its double-run effects under StrictMode) would otherwise be chosen whenever NODE_ENV is
// not "production" in the caller's environment, e.g. "test" inside Jest (test/compiled-build.e2e.spec.ts runs
// `npm run build`).
//
// `npm run build` and `npm run build:console` run it plainly. npm ci's prepare step runs it with --if-installed, so
// a fresh clone serves the console with `npm start`; where the console's sources or its build tool are not
// installed (an image's production-only install, or a dependency install that runs before the sources are copied
// in) that says so and leaves the build to `npm run build`.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const config = join(root, 'apps/console/vite.config.mts');
const vite = join(root, 'node_modules/vite/bin/vite.js');
if (!existsSync(config) || !existsSync(vite)) {
  if (process.argv.includes('--if-installed')) {
    console.log('console: not built here (its sources or vite are not installed); `npm run build` builds it');
    process.exit(0);
  }
  console.error(
    `console: cannot build: ${existsSync(config) ? 'vite is not installed (npm ci)' : `${config} is missing`}`,
  );
  process.exit(1);
}
// Anything after the script's own flag goes to vite (tests build into a directory of their own with --outDir).
const passed = process.argv.slice(2).filter((arg) => arg !== '--if-installed');
const result = spawnSync(process.execPath, [vite, 'build', '--config', config, ...passed], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
process.exit(result.status ?? 1);
