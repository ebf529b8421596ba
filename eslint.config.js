// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-check/', 'node_modules/', 'bench/data/', '.cache/', '.local/', '.register/', 'cdk.out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        TextEncoder: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
      },
    },
  },
  {
    // The core stays pure: it imports only itself and the two parsing libraries, and reads no process state.
    // Dependencies point inward.
    files: ['shared/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.{1,2}/|saxes$|fast-xml-parser$)',
              message:
                'shared/core imports only relative modules, saxes and fast-xml-parser: no Node built-in, SDK or adapter; pass a port instead.',
            },
            {
              group: ['**/adapters/**', '**/cli/**', '**/functions/**', '**/cdk/**'],
              message: 'shared/core imports no adapter or entry point: dependencies point inward.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'shared/core reads no process state: take it as an argument.' },
        { name: 'Buffer', message: "shared/core uses Uint8Array, not Node's Buffer." },
        { name: 'fetch', message: 'shared/core does no I/O: pass a port.' },
        { name: 'require', message: 'ES modules only.' },
      ],
    },
  },
  {
    files: ['shared/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/cli/**', '**/functions/**'], message: 'adapters import only the core.' }] },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
