// The fault suite (issue 7): the built apps on services of its own, killed and restarted one fault at a time.
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'faults',
  rootDir: __dirname,
  testMatch: ['**/*.fault-spec.ts'],
  maxWorkers: 1,
  testTimeout: 240000,
};
