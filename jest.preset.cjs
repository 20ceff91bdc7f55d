// Shared jest setup: swc for speed (decorator metadata on for Nest DI), libs resolved to their sources.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@simclust/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts') },
  testMatch: ['**/?(*.)+(spec|e2e-spec).ts'],
  setupFiles: [path.join(__dirname, 'jest.setup.cjs')],
  globalSetup: path.join(__dirname, 'jest.global-setup.cjs'),
};
