#!/usr/bin/env bash
# Makes PostgreSQL, Redis and NATS (JetStream) answer on the configured URLs (contract.md, "Running it"):
# leave one that answers; start an installed-but-stopped local one; install missing ones from Debian/Ubuntu
# packages; use `docker compose` only where a Docker engine answers. Fails with one clear line otherwise.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_env_local

WAIT_SECONDS="${ENSURE_SERVICES_WAIT_SECONDS:-30}"
read -r PG_HOST PG_PORT < <(url_host_port "${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/simclust}" 5432)
read -r REDIS_HOST REDIS_PORT < <(url_host_port "${REDIS_URL:-redis://127.0.0.1:6379}" 6379)
read -r NATS_HOST NATS_PORT < <(url_host_port "${NATS_URL:-nats://127.0.0.1:4222}" 4222)

log() { echo "ensure-services: $*"; }
die() { echo "ensure-services: error: $*" >&2; exit 1; }

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

postgres_answers() {
  if command -v pg_isready >/dev/null; then pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2; else tcp_open "$PG_HOST" "$PG_PORT"; fi
}
redis_answers() {
  if command -v redis-cli >/dev/null; then
    [[ "$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
  else
    tcp_open "$REDIS_HOST" "$REDIS_PORT"
  fi
}
# The server's INFO line says whether JetStream is on; a NATS without it is not enough for us.
nats_info() {
  timeout 3 bash -c "exec 3<>/dev/tcp/$NATS_HOST/$NATS_PORT && IFS= read -r -t 2 line <&3 && echo \"\$line\"" 2>/dev/null
}
nats_answers() { nats_info | grep -q '"jetstream":true'; }

is_local() { [[ "$1" == 127.* || "$1" == localhost || "$1" == ::1 ]]; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1; fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || return 1
}

docker_engine() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

wait_for() { # name check-function what
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$2"; do
    ((SECONDS < deadline)) || die "$1 does not answer on $3 after ${WAIT_SECONDS}s"
    sleep 0.5
  done
  log "$1 answers on $3"
}

start_postgres() {
  if ! command -v pg_ctlcluster >/dev/null || [[ -z "$(ls /etc/postgresql 2>/dev/null)" ]]; then
    apt_install postgresql || return 1
    # Debian's fresh cluster asks for a password on TCP; this dev/test setup uses trust on loopback only.
    local hba
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      grep -q '^host all all 127.0.0.1/32 trust' "$hba" ||
        as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    done
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
}

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server || return 1
  log "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

start_nats() {
  [[ -x /usr/sbin/nats-server ]] || apt_install nats-server || return 1
  log "starting NATS with JetStream"
  as_root mkdir -p /var/lib/nats-server
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p "$NATS_PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
}

declare -a VIA_DOCKER=()
ensure() { # name check start host port compose-service
  local name="$1" check="$2" start="$3" host="$4" port="$5" service="$6"
  if "$check"; then return 0; fi
  if [[ "$name" == NATS ]] && tcp_open "$host" "$port"; then
    die "NATS answers on $host:$port but without JetStream; restart it with -js"
  fi
  is_local "$host" || die "$name does not answer on $host:$port (not a local address, so not starting one)"
  if "$start"; then
    wait_for "$name" "$check" "$host:$port"
  elif docker_engine; then
    VIA_DOCKER+=("$service")
  else
    die "$name does not answer on $host:$port and could not be started or installed (no apt-get as root, no Docker engine)"
  fi
}

ensure PostgreSQL postgres_answers start_postgres "$PG_HOST" "$PG_PORT" postgres
ensure Redis redis_answers start_redis "$REDIS_HOST" "$REDIS_PORT" redis
ensure NATS nats_answers start_nats "$NATS_HOST" "$NATS_PORT" nats

if ((${#VIA_DOCKER[@]})); then
  log "docker compose up -d ${VIA_DOCKER[*]}"
  (cd "$REPO_ROOT" && SECRETS_KEY="${SECRETS_KEY:-unused}" ADMIN_API_KEY="${ADMIN_API_KEY:-unused}" \
    docker compose -f docker-compose.yml -f docker/compose.services.yml up -d "${VIA_DOCKER[@]}")
  for s in "${VIA_DOCKER[@]}"; do
    case "$s" in
      postgres) wait_for PostgreSQL postgres_answers "$PG_HOST:$PG_PORT" ;;
      redis) wait_for Redis redis_answers "$REDIS_HOST:$REDIS_PORT" ;;
      nats) wait_for NATS nats_answers "$NATS_HOST:$NATS_PORT" ;;
    esac
  done
fi
log "PostgreSQL ($PG_HOST:$PG_PORT), Redis ($REDIS_HOST:$REDIS_PORT) and NATS+JetStream ($NATS_HOST:$NATS_PORT) answer"
