import { existsSync } from 'node:fs';
import { join } from 'node:path';

// `npm run start:app -- <app>`: runs one app as its own process, as in production.
const name = process.argv[2];
const entry = name ? join(__dirname, '..', 'apps', name, 'src', 'main.ts') : '';
if (!name || name === 'engine' || !existsSync(entry)) {
  console.error('usage: npm run start:app -- <inventory-service|projector|reconciler|api|connector-taobao|…>');
  process.exit(2);
}
void import(entry);
