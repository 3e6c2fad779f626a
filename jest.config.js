// One project per test tier; the tier is part of the file name.
const { cjsMirror } = require('./test/cjs-mirror');

const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  // Type-checking is `npm run typecheck`; tests only transpile, which keeps 2-core runs fast.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }] },
  moduleNameMapper: {
    '^@libs/(.*)$': '<rootDir>/libs/$1/src',
    // ESM-only: Jest cannot require() it, so the tests get a CommonJS copy (test/cjs-mirror.js).
    '^@nestjs/terminus$': cjsMirror('@nestjs/terminus'),
  },
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    // Seeded simulation of the whole write path in memory (libs/testing/src/sim); SIM_SEEDS, SIM_SEED.
    { ...base, displayName: 'sim', testMatch: ['**/*.sim.spec.ts'] },
    {
      ...base,
      displayName: 'int',
      testMatch: ['**/*.int.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    // Real headless Chromium (playwright-core, Debian's chromium) against apps run as processes.
    {
      ...base,
      displayName: 'browser',
      testMatch: ['**/*.browser.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
    // Each fault suite starts and kills its own broker (test/fault/fault-broker.ts); it needs DATABASE_URL only.
    { ...base, displayName: 'fault', testMatch: ['**/*.fault.spec.ts'] },
  ],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
