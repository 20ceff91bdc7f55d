module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'file-roots',
  rootDir: __dirname,
};
