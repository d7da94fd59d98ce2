import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'data/', 'dist/', 'web/dist/', 'coverage/', 'bin/', 'bench/run.mjs', 'test-results/', '.tmp*/'],
  },
  // Plain scripts served to browsers (the patient portal's page).
  { files: ['src/**/assets/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'script' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(\\.\\./)+(access|api|cli|config|crypto|deid|demo|errors|governance|identity|incident|ledger|masking|monitor|policy|portal|runtime|seed|store|stream|vault|watermark)/(?!index\\.ts$).+',
              message: 'Import another module only through its index.ts.',
            },
          ],
        },
      ],
    },
  },
);
