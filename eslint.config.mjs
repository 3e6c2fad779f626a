// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const FRAMEWORKS = ['@nestjs/*', 'typeorm', 'kafkajs', 'pg', '@eventstore/*', '@kurrent/*', 'class-validator', 'class-transformer', 'express', 'pino', 'prom-client'];

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
      'no-restricted-imports': ['error', { patterns: [{ group: ['@libs/*/src/*', '@libs/*/*'], message: 'Import a lib through its index: @libs/<name>.' }] }],
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
            { group: FRAMEWORKS, message: 'libs/inventory is pure domain code: no framework, broker or database imports.' },
            { group: ['@libs/*', '!@libs/inventory'], message: 'libs/inventory depends on no other lib.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
