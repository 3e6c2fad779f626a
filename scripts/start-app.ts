import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';

// `npm run start:app -- <app>`: runs one compiled app (dist/, `npm run build` first) as its own process, as in
// production. The entry's extension follows this file's own, so the same script also starts the TypeScript sources
// when a developer runs it through ts-node.
const name = process.argv[2];
const entry = name ? join(__dirname, '..', 'apps', name, 'src', `main${extname(__filename)}`) : '';
if (!name || name === 'engine' || !existsSync(entry)) {
  console.error(
    'usage: npm run start:app -- <inventory-service|projector|reconciler|api|connector-taobao|…>',
  );
  process.exit(2);
}
void import(entry);
