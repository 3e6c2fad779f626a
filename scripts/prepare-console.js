// npm ci's prepare step: builds the operations console (dist/console) so a fresh clone serves it with `npm start`.
// Where the console's sources or its build tool are not installed (an image's production-only install, or a
// dependency install that runs before the sources are copied in), it says so and leaves the build to
// `npm run build`, which always builds it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const config = join(root, 'apps/console/vite.config.mts');
const vite = join(root, 'node_modules/vite/bin/vite.js');
if (!existsSync(config) || !existsSync(vite)) {
  console.log('console: not built here (its sources or vite are not installed); `npm run build` builds it');
  process.exit(0);
}
const result = spawnSync(process.execPath, [vite, 'build', '--config', config], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
