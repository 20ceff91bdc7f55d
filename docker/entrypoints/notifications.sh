#!/usr/bin/env bash
# Starts the notifications app (container entrypoint; also `npm run start:notifications` and tools/scripts/start-all.mjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
main=apps/notifications/dist/main.js
[[ -f "$main" ]] || { echo "notifications: $main is missing; run \`npm run build\` first" >&2; exit 1; }
exec node "$main"
