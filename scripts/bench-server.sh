# Sourced by the bench-*.sh scripts: builds (if needed) and starts one `stint serve` on a free
# port with a fresh data dir, on SQLite or a fresh PostgreSQL database, and stops and cleans up
# on exit. Before sourcing, set `backend` (sqlite | postgres) and, for PostgreSQL, `pg`.
#
# Knobs: PROFILE=release|debug (default release), STINT_BIN=path (overrides the build),
# STINT_LOG (default warn), KEEP=1 (keep the data dir, e.g. to read its log).
# Sets: bin, work, port, pid, api, and `db` for PostgreSQL.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
profile="${PROFILE:-release}"
bin="${STINT_BIN:-${CARGO_TARGET_DIR:-$root/target}/$profile/stint}"
if [ ! -x "$bin" ]; then
  if [ "$profile" = release ]; then (cd "$root" && cargo build --release --bin stint); else (cd "$root" && cargo build --bin stint); fi
fi
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
export STINT_LISTEN="127.0.0.1:$port" STINT_DATA_DIR="$work" STINT_RATE_LIMIT_PER_MINUTE=0
export STINT_LOG="${STINT_LOG:-warn}" STINT_CONFIG="$work/none.yaml"
if [ "${backend:-sqlite}" = postgres ]; then
  db="stint_bench_$RANDOM"
  psql "${pg:-postgres://postgres@127.0.0.1:5432}/test" -qc "CREATE DATABASE $db" >/dev/null
  export STINT_DATABASE_URL="${pg:-postgres://postgres@127.0.0.1:5432}/$db"
fi
"$bin" serve >"$work/log" 2>&1 &
pid=$!
bench_server_cleanup() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  if [ "${backend:-sqlite}" = postgres ]; then
    psql "${pg:-postgres://postgres@127.0.0.1:5432}/test" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  fi
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap bench_server_cleanup EXIT
api="http://127.0.0.1:$port/api/v1"
for _ in $(seq 1 100); do curl -sf "$api/health" >/dev/null && break; sleep 0.2; done
