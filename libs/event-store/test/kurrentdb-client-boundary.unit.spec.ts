import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const CLIENT_FILE = 'libs/event-store/src/kurrentdb/kurrentdb-client.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

// Moving to @kurrent/kurrentdb-client must stay a one-file change (libs/event-store/README.md).
it('only kurrentdb-client.ts imports @eventstore/db-client', () => {
  const importers = ['apps', 'libs', 'scripts', 'bench', 'test', 'bin']
    .flatMap((dir) => {
      try {
        return sources(join(ROOT, dir));
      } catch {
        return [];
      }
    })
    .filter((file) =>
      /(from|require\(|import\()\s*['"]@eventstore\/db-client/.test(readFileSync(file, 'utf8')),
    )
    .map((file) => relative(ROOT, file));
  expect(importers).toEqual([CLIENT_FILE]);
});
