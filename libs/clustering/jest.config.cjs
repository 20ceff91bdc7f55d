module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'clustering',
  rootDir: __dirname,
};
