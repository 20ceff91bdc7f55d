#!/usr/bin/env bash
# usage: mklib name type "dep1 dep2"
set -e
name=$1; type=$2; deps=$3
d=libs/$name; mkdir -p $d/src
refs=""; for x in $deps; do refs="$refs{ \"path\": \"../$x/tsconfig.lib.json\" },"; done; refs="[${refs%,}]"
cat > $d/package.json <<J
{
  "name": "@simclust/$name",
  "version": "0.0.0",
  "private": true,
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts"
}
J
cat > $d/project.json <<J
{
  "name": "$name",
  "\$schema": "../../node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "libs/$name/src",
  "projectType": "library",
  "tags": ["type:$type"],
  "targets": {
    "build": {
      "executor": "nx:run-commands",
      "outputs": ["{projectRoot}/dist"],
      "options": { "command": "tsc -b libs/$name/tsconfig.lib.json" }
    }
  }
}
J
cat > $d/tsconfig.lib.json <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist",
    "tsBuildInfoFile": "dist/tsconfig.lib.tsbuildinfo"
  },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.spec.ts", "src/**/*.e2e-spec.ts", "src/**/__fixtures__/**"],
  "references": $refs
}
J
cat > $d/tsconfig.json <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "composite": false, "noEmit": true, "types": ["node", "jest"] },
  "include": ["src/**/*.ts"]
}
J
cat > $d/jest.config.cjs <<J
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: '$name',
  rootDir: __dirname,
};
J
[ -f $d/src/index.ts ] || echo "export {};" > $d/src/index.ts
