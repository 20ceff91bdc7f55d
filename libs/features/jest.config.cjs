module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'features',
  rootDir: __dirname,
};
