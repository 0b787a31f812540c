// Lint rules, including the architecture boundary of DESIGN.md: src/core is pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'tls', 'cluster', 'worker_threads',
  'readline', 'os', 'process', 'v8', 'vm', 'inspector', 'perf_hooks', 'timers', 'timers/promises',
];
const forbiddenInCore = [
  ...ioModules.flatMap((name) => [name, `node:${name}`]),
  'kysely', 'pg', 'better-sqlite3', 'fastify', 'pino', 'nodemailer', 'commander', 'cli-progress',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**', '.scratch/**', 'trustplane-data/**', 'trustplane-demo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    // src/core: no I/O, no database, no network, no clock. Time and randomness come in as arguments.
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: forbiddenInCore.map((name) => ({ name, message: 'src/core is pure: no I/O, database or network modules (DESIGN.md, Architecture).' })),
        patterns: [{ group: ['**/server/**', '**/cli/**', '**/web/**'], message: 'src/core imports nothing from server/, cli/ or web/.' }],
      }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'src/core takes time as an argument; no Date.now().' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/core takes time as an argument; no new Date() without a value.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'src/core takes randomness as an argument.' },
      ],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'src/core reads no environment.' },
        { name: 'fetch', message: 'src/core does no network I/O.' },
        { name: 'setTimeout', message: 'src/core has no timers.' },
        { name: 'setInterval', message: 'src/core has no timers.' },
      ],
    },
  },
);
