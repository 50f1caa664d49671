// `npm run lint` (part of `npm test`): typescript-eslint's recommended rules without type
// information (fast; tsc already checks the types), and the import rules that keep the
// layering: the product (src/, sandbox/) never imports its tests or benchmarks, nothing
// below the CLI imports the CLI, and no module imports itself back through a cycle.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

// src/cli is on top (docs/architecture.md): every other folder of src/, and the files at its root, are below it.
const BELOW_CLI = ['./src/!(cli)/**', './src/*.ts'];

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'coverage/', '.stocksync/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(ROOT, 'tsconfig.json') })],
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: ROOT,
          zones: [
            {
              target: ['./src', './sandbox'],
              from: ['./test', './bench'],
              message: 'product code never imports the tests or the benchmarks (shared harness code lives in src/harness)',
            },
            {
              target: BELOW_CLI,
              from: './src/cli',
              message: 'only the CLI imports src/cli: move what is shared below it',
            },
          ],
        },
      ],
      // Runtime cycles only (type-only imports do not count). There is none at any depth
      // today; the bound keeps the walk short as the code grows (the rule costs ~2 s).
      'import-x/no-cycle': ['error', { maxDepth: 10, ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      // `const { key: _, ...rest } = o` is how the code leaves a property out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // Tests and benchmarks read platform responses and reports as loose JSON (`any`) and
    // assert on their shape; the product's code (src/, sandbox/) has no explicit `any`.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
);
