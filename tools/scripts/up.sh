#!/usr/bin/env bash
# `npm run up`: from a fresh clone to a running stack, idempotently (contract.md, "Running it").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
export NX_DAEMON="${NX_DAEMON:-false}" NX_NO_CLOUD=true

step() { echo; echo "==> $*"; }

if [[ ! -d node_modules && -f package-lock.json ]]; then
  step "npm ci"
  npm ci --no-audit --no-fund
else
  step "npm install"
  npm install --no-audit --no-fund
fi

step "secrets (.env.local)"
node tools/scripts/env-local.mjs
load_env_local

step "services"
bash tools/scripts/ensure-services.sh

step "database and migrations"
node tools/migrate/migrate.mjs

step "build"
npx nx run-many -t build

step "starting gateway, indexer, clustering-worker, notifications"
echo "gateway: http://127.0.0.1:${PORT:-8080}  (Ctrl-C stops the apps)"
exec node tools/scripts/start-all.mjs
