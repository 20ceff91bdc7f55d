# Shared helpers for the shell scripts in tools/scripts (sourced, not run).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Exports each KEY=VALUE of .env.local that the real environment does not already set (real variables win).
load_env_local() {
  local file="$REPO_ROOT/.env.local" line key value
  [[ -f "$file" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key="${BASH_REMATCH[2]}"
    value="${BASH_REMATCH[3]}"
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    [[ -n "${!key+x}" ]] || export "$key=$value"
  done <"$file"
}

# url_host_port URL DEFAULT_PORT -> "host port" (IPv6 brackets removed)
url_host_port() {
  local rest="${1#*://}"
  rest="${rest##*@}"
  rest="${rest%%/*}"
  rest="${rest%%\?*}"
  local host port
  if [[ "$rest" =~ ^\[([^]]+)\](:([0-9]+))?$ ]]; then
    host="${BASH_REMATCH[1]}"; port="${BASH_REMATCH[3]}"
  else
    host="${rest%%:*}"; port=""
    [[ "$rest" == *:* ]] && port="${rest##*:}"
  fi
  echo "${host:-127.0.0.1} ${port:-$2}"
}
