#!/usr/bin/env bash
# Starts the clustering-worker app (container entrypoint; also `npm run start:clustering-worker` and tools/scripts/start-all.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
main=apps/clustering-worker/dist/main.js
[[ -f "$main" ]] || { echo "clustering-worker: $main is missing; run \`npm run build\` first" >&2; exit 1; }
exec node "$main"
