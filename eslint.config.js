import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules with side effects (network, disk, processes, queues). The pure core must not import them. */
const ioModules = [
  'probot',
  '@octokit/*',
  'bullmq',
  'ioredis',
  '@upstash/redis',
  'simple-git',
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node:child_process',
  'child_process',
  'node:net',
  'node:http',
  'node:https',
  'node:dns',
  'node:worker_threads',
  'node:process',
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // simple-git runs git with the repository's config unless it gets our hardening: only the
    // factory that applies it may build an instance (the pure-core block below keeps its own ban).
    files: ['**/*.ts'],
    ignores: ['src/git/porcelain.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'simple-git',
              message:
                'Use porcelainGit() from src/git/porcelain.ts: it applies the hostile-repository hardening.',
            },
          ],
        },
      ],
    },
  },
  {
    // src/core and src/report are pure: text in, findings out. Adapters depend on them, never the reverse.
    files: [
      'src/core/**/*.ts',
      'src/report/**/*.ts',
      'src/incidents/model.ts',
      'src/incidents/record.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ioModules,
              message:
                'src/core and src/report are pure: no I/O imports. Put this in an adapter (git/, github/, queue/, verify/, cli/).',
            },
            {
              group: [
                '**/git/**',
                '**/github/**',
                '**/queue/**',
                '**/app/**',
                '**/cli/**',
                '**/verify/**',
                '**/engine/**',
              ],
              message: 'The pure core must not depend on adapters.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No network in the pure core.' },
        { name: 'process', message: 'No process access in the pure core; pass values in.' },
      ],
    },
  },
);
