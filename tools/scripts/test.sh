#!/usr/bin/env bash
# `npm test`: every test tier against real services, on a database of its own (contract.md, "Running it").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
export TZ=UTC NX_DAEMON=false NX_NO_CLOUD=true
# Never the development database: only a DATABASE_URL from the real environment overrides this one.
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/simclust_test}"

started=$SECONDS
finish() {
  local rc=$?
  echo
  if ((rc == 0)); then
    echo "npm test: PASSED ($((SECONDS - started)) s, database ${DATABASE_URL##*/})"
  else
    echo "npm test: FAILED (exit code $rc after $((SECONDS - started)) s; the first failure is above)" >&2
  fi
}
trap finish EXIT

step() { echo; echo "==> $*"; }

step "secrets (.env.local)"
node tools/scripts/env-local.mjs
load_env_local

step "services"
bash tools/scripts/ensure-services.sh

step "a fresh test database and migrations (${DATABASE_URL##*/})"
node tools/migrate/migrate.mjs --fresh-test-database

step "build"
npx nx run-many -t build

step "lint"
npx nx run-many -t lint

step "tests"
npx nx run-many -t test --parallel=1
