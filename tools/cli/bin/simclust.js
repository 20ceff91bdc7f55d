#!/usr/bin/env node
// The `simclust` bin of the workspace: runs the built CLI (apps/cli/dist), or says how to build it.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', '..', '..', 'apps', 'cli', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`simclust: the CLI is not built (${main} is missing); run \`npm run build\` in the simclust checkout first\n`);
  process.exit(1);
}
require(main);
