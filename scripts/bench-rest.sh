#!/usr/bin/env bash
# REST load benchmark (issue 3): authenticated GET /api/v1/tasks/{id} and POST /api/v1/tasks with
# wrk at 64 connections, against a release `stint` on SQLite or PostgreSQL, plus the server's RSS.
#
#   scripts/bench-rest.sh sqlite            # or: postgres [postgres://postgres@127.0.0.1:5432]
#
# Needs wrk (apt-get install wrk), curl, jq. Results go to stdout; record them in docs/benchmarks.md.
set -euo pipefail
backend="${1:-sqlite}"
pg="${2:-postgres://postgres@127.0.0.1:5432}"
duration="${DURATION:-15s}"
conns="${CONNECTIONS:-64}"
threads=$(( conns < 2 ? 1 : 2 ))
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CARGO_TARGET_DIR:-$root/target}/release/stint"
[ -x "$bin" ] || (cd "$root" && cargo build --release --bin stint)
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
export STINT_LISTEN="127.0.0.1:$port" STINT_DATA_DIR="$work" STINT_RATE_LIMIT_PER_MINUTE=0 STINT_LOG=warn
if [ "$backend" = postgres ]; then
  db="stint_bench_$RANDOM"
  psql "$pg/test" -qc "CREATE DATABASE $db" >/dev/null
  export STINT_DATABASE_URL="$pg/$db"
fi
"$bin" serve >"$work/log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  [ "$backend" = postgres ] && psql "$pg/test" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
api="http://127.0.0.1:$port/api/v1"
for _ in $(seq 1 50); do curl -sf "$api/health" >/dev/null && break; sleep 0.2; done

token=$(curl -sf -X POST "$api/auth/register" -d '{"email":"bench@example.com","password":"bench-password","name":"Bench"}' | jq -r .access_token)
auth="Authorization: Bearer $token"
curl -sf -X POST "$api/organizations" -H "$auth" -d '{"name":"Bench"}' >/dev/null
project=$(curl -sf -X POST "$api/projects" -H "$auth" -d '{"name":"Load"}' | jq -r .data.id)
label=$(curl -sf -X POST "$api/labels" -H "$auth" -d '{"name":"perf","color":"#112233"}' | jq -r .data.id)
task=$(curl -sf -X POST "$api/tasks" -H "$auth" -d "{\"title\":\"Read me\",\"project_id\":\"$project\",\"label_ids\":[\"$label\"],\"due_date\":\"2027-01-01\"}" | jq -r .data.id)

cat >"$work/create.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"title":"Load task","project_id":"$project","priority":"medium","due_date":"2027-01-01"}'
LUA

rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "== $backend: GET /api/v1/tasks/{id}, $conns connections, $duration"
wrk -t"$threads" -c"$conns" -d"$duration" --latency -H "$auth" "$api/tasks/$task" | sed -n '/Latency Distribution/,/Transfer/p'
echo "server RSS after reads: $(rss)"
echo "== $backend: POST /api/v1/tasks, $conns connections, $duration"
wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$work/create.lua" "$api/tasks" | sed -n '/Latency Distribution/,/Transfer/p'
echo "server RSS after writes: $(rss)"
errors=$(grep -c ' ERROR ' "$work/log" || true)
echo "server errors logged: $errors"
