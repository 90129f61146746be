// Lint rules that encode the design: workflow code stays deterministic (no Node
// built-ins, no I/O libraries), and no promise is left floating anywhere.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'test/artifacts/**', 'bench/data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins, do I/O in activities.' })),
          patterns: [
            { group: ['undici', 'node-fetch', 'axios', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflow code may import only common/ and @temporalio/workflow.' },
            { group: ['../activities/*', '../workers/*', '../client/*', '../sandbox/*', '../bin/*'], allowTypeImports: true, message: 'Workflow code may import only common/ (types from activities are fine).' },
            {
              // These modules build zod schemas: loaded in a workflow, every batch workflow would build them again.
              group: ['zod', '../common/batch', '../common/config', '../common/importInput', '../common/mapping', '../common/plan', '../common/progress', '../common/report', '../common/source', '../common/validation'],
              allowTypeImports: true,
              message: 'Workflow code imports only types from zod-schema modules; put values it needs in a zod-free module (e.g. common/batchIds.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'common/ is loaded inside workflows: no Node built-ins.' })),
          patterns: [{ group: ['../activities/*', '../workers/*', '../client/*', '../sandbox/*', '../workflows/*', '../bin/*'], message: 'common/ imports nothing of the other folders.' }],
        },
      ],
    },
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../activities/*', '../workers/*', '../client/*', '../workflows/*', '../common/*', '../bin/*'], message: 'The sandbox stands alone: it imports nothing of the others.' }] },
      ],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../activities/*', '../workers/*', '../sandbox/*', '../workflows/*', '../bin/*', '@temporalio/worker'], allowTypeImports: true, message: 'client/ imports only common/ and @temporalio/client.' }] },
      ],
    },
  },
  {
    files: ['workers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../client/*'], message: 'workers/ must not import client/.' }] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain Node scripts (examples for users of the built package) are CommonJS.
    files: ['examples/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
