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
    // The engine knows nothing of CDI: framework/ never imports from assets/.
    files: ['framework/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/assets/**', '../assets/*'], message: 'framework/ must not import from assets/' }] }],
    },
  },
  { files: ['bin/**/*.js', 'test/fixtures/*.mjs', 'deploy/*.mjs', 'ui/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', AbortController: 'readonly' } } },
)
