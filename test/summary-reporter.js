// Writes each Jest run's totals to .cache/test-results so CI can print one closing line for all tiers.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.dir = join(globalConfig.rootDir, '.cache', 'test-results');
  }

  onRunComplete(_contexts, results) {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${Date.now()}-${process.pid}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
      }),
    );
  }
}

module.exports = SummaryReporter;
