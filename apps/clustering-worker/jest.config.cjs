module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'clustering-worker',
  rootDir: __dirname,
};
