// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/data/', '.cache/', '.local/', 'cdk.out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', TextEncoder: 'readonly', performance: 'readonly', URL: 'readonly' } },
  },
  {
    // The core stays pure: no SDK, no file system, no adapter. Dependencies point inward.
    files: ['shared/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'stream', 'net'], message: 'shared/core is pure: no Node built-ins, pass a port instead.' },
          { group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', '@aws-lambda-powertools/*', '@middy/*'], message: 'shared/core imports no SDK.' },
          { group: ['**/adapters/**', '**/cli/**', '**/functions/**'], message: 'shared/core imports no adapter or entry point.' },
        ],
      }],
    },
  },
  {
    files: ['shared/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**', '**/functions/**'], message: 'adapters import only the core.' }] }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
