import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'deploy/node_modules/**', 'deploy/cdk.out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // Imports go one way (docs/architecture.md): the engine declares its ports and knows neither
    // the CDI pipeline (assets/) nor the implementations of its ports (resources/).
    files: ['framework/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/assets/**', '**/resources/**'], message: 'framework/ imports neither assets/ nor resources/: declare an interface in framework/ and wire its implementation in the composition root.' }] }],
    },
  },
  {
    // A resource implements an engine port; it knows nothing of the pipeline.
    files: ['resources/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/assets/**'], message: 'resources/ must not import from assets/: a resource implements a framework interface.' }] }],
    },
  },
  { files: ['bin/**/*.js', 'test/fixtures/*.mjs', 'deploy/*.mjs', 'ui/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', AbortController: 'readonly' } } },
)
