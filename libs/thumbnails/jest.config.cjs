module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'thumbnails',
  rootDir: __dirname,
};
