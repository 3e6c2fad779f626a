// @ts-check
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const FRAMEWORKS = [
  '@nestjs/*',
  'typeorm',
  'kafkajs',
  'pg',
  '@eventstore/*',
  '@kurrent/*',
  'class-validator',
  'class-transformer',
  'express',
  'pino',
  'prom-client',
];

const APPS = readdirSync(`${import.meta.dirname}/apps`, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/*
 * Apps do not import each other: what two apps share lives in a lib. Two exceptions, on purpose: apps/engine is the
 * embedded runner that composes every app in one process (and creates its session's API key with the api's code),
 * and the CLI's offline `projector rebuild` runs the projector's own code (apps/cli/src/operations.commands.ts).
 */
const APP_IMPORT_EXCEPTIONS = { engine: APPS, cli: ['projector'] };

const appBoundaries = APPS.map((app) => {
  const allowed = APP_IMPORT_EXCEPTIONS[app] ?? [];
  const others = APPS.filter((other) => other !== app && !allowed.includes(other));
  return {
    files: [`apps/${app}/src/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@libs/*/src/*', '@libs/*/*'],
              message: 'Import a lib through its index: @libs/<name>.',
            },
            ...(others.length > 0
              ? [
                  {
                    group: others.flatMap((o) => [`**/${o}/src/**`, `**/apps/${o}/**`]),
                    message: 'Apps do not import each other: move what they share into a lib.',
                  },
                ]
              : []),
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', 'coverage/', 'deploy/local/kafka/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // Libraries are reached through their public index only.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@libs/*/src/*', '@libs/*/*'],
              message: 'Import a lib through its index: @libs/<name>.',
            },
          ],
        },
      ],
    },
  },
  {
    // Promises the review found dropped or handed to callbacks that ignore them: checked with type information.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  ...appBoundaries,
  {
    // Libraries never reach into apps: an app depends on libs, never the other way round.
    files: ['libs/**/*.ts'],
    ignores: ['libs/inventory/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@libs/*/src/*', '@libs/*/*'],
              message: 'Import a lib through its index: @libs/<name>.',
            },
            { group: ['**/apps/**'], message: 'A lib does not import an app.' },
          ],
        },
      ],
    },
  },
  {
    // The domain is pure: it must stay runnable and testable without any framework, broker or database.
    files: ['libs/inventory/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: FRAMEWORKS,
              message: 'libs/inventory is pure domain code: no framework, broker or database imports.',
            },
            { group: ['@libs/*', '!@libs/inventory'], message: 'libs/inventory depends on no other lib.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
