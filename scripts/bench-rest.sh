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
source "$(dirname "$0")/bench-server.sh"

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
