// Sums the per-tier totals written by summary-reporter.js into the closing line CI reads.
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.argv[2];
const totals = { passed: 0, failed: 0, skipped: 0 };
if (existsSync(dir)) {
  for (const f of readdirSync(dir)) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    for (const k of Object.keys(totals)) totals[k] += r[k];
  }
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
