// ESLint's flat configuration for the scripts of onshi's pages (web/*/…js): the recommended
// rules, for classic browser scripts run under a strict CSP (no eval, no implied eval).
// Run by `npm run lint` (scripts/test.sh) from this folder, over ../../web.
import js from '@eslint/js';

export default [
  {
    files: ['web/**/*.js'],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'script',
      globals: { document: 'readonly', window: 'readonly', fetch: 'readonly', setInterval: 'readonly',
        clearInterval: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', console: 'readonly' },
    },
    rules: {
      ...js.configs.recommended.rules,
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-script-url': 'error',
      eqeqeq: 'error',
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
];
