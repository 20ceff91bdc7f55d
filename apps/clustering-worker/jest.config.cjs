module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'clustering-worker',
  rootDir: __dirname,
  // Each e2e file runs a whole stack (gateway, indexer, worker) in-process: one at a time on a 2-core machine.
  maxWorkers: 1,
};
