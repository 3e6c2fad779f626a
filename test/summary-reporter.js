// Writes each Jest run's totals to .cache/test-results so CI can print one closing line for all tiers, with the
// skipped tests grouped by file and outer describe title: a suite that cannot run here (it says why in its title)
// must show up by name, not vanish into a count.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
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
        notRun: skippedGroups(results, this.rootDir),
      }),
    );
  }
}

/** [{ file, suite, tests }]: skipped or todo tests counted per file and outermost describe title. */
function skippedGroups(results, rootDir) {
  const groups = new Map();
  for (const suite of results.testResults) {
    for (const test of suite.testResults) {
      if (test.status !== 'pending' && test.status !== 'todo' && test.status !== 'skipped') continue;
      const file = relative(rootDir, suite.testFilePath);
      const title = test.ancestorTitles[0] ?? test.title;
      const key = `${file}\u0000${title}`;
      const group = groups.get(key) ?? { file, suite: title, tests: 0 };
      group.tests += 1;
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

module.exports = SummaryReporter;
