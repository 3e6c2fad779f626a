// Sums the per-tier totals written by summary-reporter.js into the closing line CI reads. Above it, every
// skipped suite by name (its title says why it did not run): skipped is never passed.
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.argv[2];
const totals = { passed: 0, failed: 0, skipped: 0 };
const notRun = new Map();
if (existsSync(dir)) {
  for (const f of readdirSync(dir).sort()) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    for (const k of Object.keys(totals)) totals[k] += r[k];
    for (const g of r.notRun ?? []) {
      const key = `${g.file}\u0000${g.suite}`;
      notRun.set(key, { ...g, tests: (notRun.get(key)?.tests ?? 0) + g.tests });
    }
  }
}
if (notRun.size > 0) {
  console.log('not run (skipped, not counted as passed):');
  for (const g of notRun.values()) console.log(`  - ${g.file}: ${g.suite} (${g.tests} tests)`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
