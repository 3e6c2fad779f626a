#!/usr/bin/env node
// `npx stocksync <command>`: the operations CLI (apps/cli), run from the compiled JavaScript in dist/ that
// `npm run build` writes; no ts-node at run time. The tests run the CLI from its TypeScript sources instead
// (apps/cli/test/run-binary.ts), so they never exercise a stale build.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`stocksync: ${entry} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
require(entry).main();
