#!/usr/bin/env bash
# Starts the gateway app (container entrypoint; also `npm run start:gateway` and tools/scripts/start-all.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
main=apps/gateway/dist/main.js
[[ -f "$main" ]] || { echo "gateway: $main is missing; run \`npm run build\` first" >&2; exit 1; }
exec node "$main"
