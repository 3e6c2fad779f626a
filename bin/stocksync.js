#!/usr/bin/env node
// `npx stocksync <command>`: the operations CLI (apps/cli), run from the TypeScript sources.
const { join } = require('node:path');
process.env.TS_NODE_PROJECT ??= join(__dirname, '..', 'tsconfig.json');
process.env.TS_NODE_TRANSPILE_ONLY = 'true';
require('ts-node/register');
require('tsconfig-paths/register');
const { run } = require('../apps/cli/src/main');
run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
