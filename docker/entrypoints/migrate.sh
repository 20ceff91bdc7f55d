#!/usr/bin/env bash
# Creates the database if missing and applies pending migrations (the compose one-shot `migrate` service).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec node tools/migrate/migrate.mjs "$@"
