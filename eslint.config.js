import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Only the Node globals the few plain-JS entry points use; the `globals` package is not a dependency.
const nodeGlobals = { process: 'readonly', console: 'readonly', URL: 'readonly' };

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', '.cache/', '.venv/', 'gen/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
