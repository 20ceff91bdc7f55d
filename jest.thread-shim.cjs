// Worker-thread entry for tests (shared by every project's thread-pool specs): compiles the TypeScript thread script and what it imports with swc on load, and
// resolves @simclust/* to the libs' sources as jest does, so the real worker_threads path runs without a build.
// workerData.script: the .ts entry.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const { workerData } = require('node:worker_threads');
const { transformSync } = require('@swc/core');

const ROOT = __dirname;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@simclust\/([a-z-]+)$/.exec(request);
  return resolveFilename.call(this, lib ? join(ROOT, 'libs', lib[1], 'src', 'index.ts') : request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(workerData.script);
