#!/usr/bin/env bash
set -e
name=$1; deps=$2
d=apps/$name; mkdir -p $d/src
refs=""; for x in $deps; do refs="$refs{ \"path\": \"../../libs/$x/tsconfig.lib.json\" },"; done; refs="[${refs%,}]"
cat > $d/project.json <<J
{
  "name": "$name",
  "\$schema": "../../node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "apps/$name/src",
  "projectType": "application",
  "tags": ["type:app"],
  "targets": {
    "build": {
      "executor": "nx:run-commands",
      "outputs": ["{projectRoot}/dist"],
      "options": { "command": "tsc -b apps/$name/tsconfig.app.json" }
    },
    "serve": {
      "executor": "nx:run-commands",
      "dependsOn": ["build"],
      "options": { "command": "node apps/$name/dist/main.js" }
    }
  }
}
J
cat > $d/tsconfig.app.json <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist",
    "tsBuildInfoFile": "dist/tsconfig.app.tsbuildinfo"
  },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.spec.ts", "src/**/*.e2e-spec.ts"],
  "references": $refs
}
J
cat > $d/tsconfig.json <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "composite": false, "noEmit": true, "types": ["node", "jest"] },
  "include": ["src/**/*.ts", "test/**/*.ts"]
}
J
cat > $d/jest.config.cjs <<J
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: '$name',
  rootDir: __dirname,
};
J
