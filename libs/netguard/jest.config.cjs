module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'netguard',
  rootDir: __dirname,
};
