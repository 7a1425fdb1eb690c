// ESLint's flat config: the recommended sets plus the project's conventions. The type checker
// (`npm run typecheck`, tsconfig.check.json over src, kernel, widgets, tests and benches) proves what
// types can prove; `npm run lint` runs both.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'widgets/dist/**',
      'widgets/labextension/**',
      'widgets/lab/**',
      'out/**',
      'notebooks/**/*.ipynb',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // The project's rule: no `any` (DESIGN.md). Unused names are errors unless they start with _.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // Notebook sources: the parameters cell says `let FULL = false` because papermill and
    // `tunelab run -p` inject an assignment after it.
    files: ['notebooks/src/**/*.ts'],
    rules: { 'prefer-const': 'off', '@typescript-eslint/no-unused-vars': 'warn' },
  },
  {
    // Drivers (better-sqlite3, pg) and a user's objective module are required lazily, when a URL of
    // that scheme is opened or a worker loads the module, so `require('tunelab')` loads neither.
    files: ['src/storage/**/*.ts', 'src/parallel/moduleObjective.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
