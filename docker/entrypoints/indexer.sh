#!/usr/bin/env bash
# Starts the indexer app (container entrypoint; also `npm run start:indexer` and tools/scripts/start-all.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
main=apps/indexer/dist/main.js
[[ -f "$main" ]] || { echo "indexer: $main is missing; run \`npm run build\` first" >&2; exit 1; }
exec node "$main"
