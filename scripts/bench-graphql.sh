#!/usr/bin/env bash
# GraphQL beside REST (issue 15), in one run against one release `stint` on SQLite or PostgreSQL,
# with wrk at 64 connections:
#   REST    GET /api/v1/tasks?per_page=50                          (tasks only)
#   GraphQL POST /graphql { tasks(perPage: 50) { data { … project { … } assignees { … }
#           labels { … } } } }                                      (tasks with their relations)
# over 200 tasks, each with two assignees and two labels, in two projects.
#
#   scripts/bench-graphql.sh sqlite            # or: postgres [postgres://postgres@127.0.0.1:5432]
#
# Needs wrk, curl, jq. Record the results in docs/benchmarks.md (compare only rows of one run).
set -euo pipefail
backend="${1:-sqlite}"
pg="${2:-postgres://postgres@127.0.0.1:5432}"
duration="${DURATION:-10s}"
# The invitation link is read from the log, which needs info level.
export STINT_LOG="${STINT_LOG:-info}"
source "$(dirname "$0")/bench-server.sh"

post() { curl -sf -X POST "$api$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
token=$(curl -sf -X POST "$api/auth/register" -d '{"email":"bench@example.com","password":"bench-password","name":"Bench"}' | jq -r .access_token)
me=$(curl -sf "$api/auth/me" -H "Authorization: Bearer $token" | jq -r .data.id)
org=$(post /organizations "$token" '{"name":"Bench"}' | jq -r .data.id)
# A second member to assign (joins through the invitation link the server logs).
post "/organizations/$org/members" "$token" '{"email":"two@example.com","role":"member"}' >/dev/null
sleep 0.3
invite=$(grep -o 'accept-invitation?token=[A-Za-z0-9_-]*' "$work/log" | tail -1 | cut -d= -f2)
two=$(curl -sf -X POST "$api/auth/register" -d "{\"email\":\"two@example.com\",\"password\":\"bench-password\",\"name\":\"Two\",\"invitation_token\":\"$invite\"}" | jq -r .user.id)
p1=$(post /projects "$token" '{"name":"Website"}' | jq -r .data.id)
p2=$(post /projects "$token" '{"name":"App"}' | jq -r .data.id)
l1=$(post /labels "$token" '{"name":"bug","color":"#ff0000"}' | jq -r .data.id)
l2=$(post /labels "$token" '{"name":"ux","color":"#00ff00"}' | jq -r .data.id)
for i in $(seq 1 200); do
  p=$([ $((i % 2)) = 0 ] && echo "$p1" || echo "$p2")
  post /tasks "$token" "{\"title\":\"Task $i\",\"project_id\":\"$p\",\"priority\":\"medium\",\"due_date\":\"2027-01-01\",\"assignee_ids\":[\"$me\",\"$two\"],\"label_ids\":[\"$l1\",\"$l2\"]}" >/dev/null
done

query='{ tasks(perPage: 50) { data { id title status priority due_date project { id name } assignees { id name } labels { id name color } } pagination { total } } }'
body=$(jq -cn --arg q "$query" '{query: $q}')
check=$(curl -sf -X POST "http://127.0.0.1:$port/graphql" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body")
echo "$check" | jq -e '.data.tasks.data | length == 50 and (.[0].assignees | length) == 2 and (.[0].labels | length) == 2' >/dev/null \
  || { echo "the GraphQL query failed: $check"; exit 1; }
cat >"$work/graphql.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = [[$body]]
LUA
row() { # name, wrk arguments…
  local name=$1; shift
  local out; out=$(wrk -t2 -c64 -d"$duration" --latency "$@")
  printf '%-44s %10s req/s  p50 %8s  p99 %8s  non2xx %s\n' "$name" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(echo "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0)"
}
echo "== $backend, wrk -t2 -c64 -d$duration"
row "REST GET /tasks?per_page=50" -H "Authorization: Bearer $token" "$api/tasks?per_page=50"
row "GraphQL tasks(perPage: 50) + 3 relations" -s "$work/graphql.lua" "http://127.0.0.1:$port/graphql"
row "REST GET /tasks?per_page=50 (again)" -H "Authorization: Bearer $token" "$api/tasks?per_page=50"
errors=$(grep -c ' ERROR ' "$work/log" || true)
echo "server errors logged: $errors"
