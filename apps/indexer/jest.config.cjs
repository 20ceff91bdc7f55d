module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'indexer',
  rootDir: __dirname,
  // Every indexer test consumes the one durable "indexer" consumer: two at once would take each other's commands.
  maxWorkers: 1,
};
