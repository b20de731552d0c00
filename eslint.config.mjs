import nx from '@nx/eslint-plugin';

const TYPEORM_BAN = { name: 'typeorm', message: 'Only libs/data-access may import typeorm.' };
const DOCKERODE_BAN = {
  name: 'dockerode',
  message: "Only the invoker's runtime/docker adapter may import dockerode.",
};

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/tmp', '**/coverage'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          banTransitiveDependencies: false,
          checkDynamicDependenciesExceptions: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access'],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:testing'],
            },
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:testing'],
            },
            { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'] },
            { sourceTag: 'scope:runtime', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:invoker', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:trigger', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // Only libs/data-access imports typeorm; only the invoker's runtime/docker adapter imports dockerode.
  {
    files: ['**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [TYPEORM_BAN, DOCKERODE_BAN] }] },
  },
  {
    files: ['libs/data-access/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [DOCKERODE_BAN] }] },
  },
  {
    files: [
      'apps/invoker/src/runtime/docker/**/*.ts',
      'apps/platform-e2e/**/*.ts',
      'libs/testing/src/stack/**/*.ts',
      'bench/**/*.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { paths: [TYPEORM_BAN] }] },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
