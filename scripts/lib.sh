# Shared helpers for scripts/: sourced, not run.

# A free TCP port on the loopback interface.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Install the front-end packages (nhsuk-frontend, axe-core) exactly as locked, when
# node_modules is missing or older than the lock file.
ensure_npm_assets() {
  if [ ! -f node_modules/nhsuk-frontend/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> installing front-end packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Install Debian packages that are missing; apt-get update once, only when needed.
ensure_debs() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The newest installed PostgreSQL server's bin directory.
pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Start a throwaway PostgreSQL cluster on a free port; sets PG_DIR, PG_PORT and
# TEST_DATABASE_URL. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
start_postgres() {
  local bin run=()
  bin=$(pg_bin)
  PG_DIR=$(mktemp -d /tmp/linkwell-pg.XXXXXX)
  PG_PORT=$(free_port)
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log"; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-k $PG_DIR -p $PG_PORT -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=on" start >/dev/null ||
    { cat "$PG_DIR/log"; return 1; }
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "==> PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  local run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=
}
