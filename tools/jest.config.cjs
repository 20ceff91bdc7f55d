// Tests of the repository's own machinery (scripts, migrations, compose) against real services.
module.exports = {
  ...require('../jest.preset.cjs'),
  displayName: 'tools',
  rootDir: __dirname,
  testMatch: ['**/tests/**/*.spec.ts'],
  testTimeout: 30000,
};
