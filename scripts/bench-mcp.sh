#!/usr/bin/env bash
# MCP beside REST (issue 16), in one run against one release `stint` on SQLite or PostgreSQL:
#   REST GET /api/v1/tasks/{id}                       vs  MCP tools/call tasks.get (Streamable HTTP,
#                                                         protocol 2026-07-28, a personal access token)
#   MCP tools/list (the first page of 50 tools, each with its input and output schema)
# each at one connection (latency) and 64 (throughput), REST before and after MCP.
#
#   scripts/bench-mcp.sh sqlite            # or: postgres [postgres://postgres@127.0.0.1:5432]
#
# Needs wrk, curl, jq. Record the results in docs/benchmarks.md (compare only rows of one run).
set -euo pipefail
backend="${1:-sqlite}"
pg="${2:-postgres://postgres@127.0.0.1:5432}"
duration="${DURATION:-10s}"
source "$(dirname "$0")/bench-server.sh"

post() { curl -sf -X POST "$api$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
token=$(curl -sf -X POST "$api/auth/register" -d '{"email":"bench@example.com","password":"bench-password","name":"Bench"}' | jq -r .access_token)
post /organizations "$token" '{"name":"Bench"}' >/dev/null
pat=$(post /auth/tokens "$token" '{"name":"bench"}' | jq -r .data.token)
project=$(post /projects "$token" '{"name":"Website"}' | jq -r .data.id)
task=$(post /tasks "$token" "{\"title\":\"Benchmark\",\"project_id\":\"$project\",\"priority\":\"medium\"}" | jq -r .data.id)

meta='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}'
call="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"tasks.get\",\"arguments\":{\"id\":\"$task\"},$meta}}"
list="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{$meta}}"
mcp_script() { # file, method, name, body
  local name_header=""
  [ -n "$3" ] && name_header="wrk.headers[\"Mcp-Name\"] = \"$3\""
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Authorization"] = "Bearer $pat"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "$2"
$name_header
wrk.body = [[$4]]
LUA
}
mcp_script "$work/call.lua" tools/call tasks.get "$call"
mcp_script "$work/list.lua" tools/list "" "$list"
check() { curl -sf -X POST "http://127.0.0.1:$port/mcp" -H "Authorization: Bearer $pat" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' -H "Mcp-Method: $1" ${2:+-H "Mcp-Name: $2"} -d "$3"; }
check tools/call tasks.get "$call" | jq -e ".result.structuredContent.data.id == \"$task\"" >/dev/null \
  || { echo "tools/call failed: $(check tools/call tasks.get "$call")"; exit 1; }
check tools/list "" "$list" | jq -e '.result.tools | length == 50' >/dev/null || { echo "tools/list failed"; exit 1; }
echo "tools/list page: $(check tools/list "" "$list" | wc -c) bytes"

row() { # name, connections, wrk arguments…
  local name=$1 c=$2; shift 2
  local out; out=$(wrk -t"$([ "$c" = 1 ] && echo 1 || echo 2)" -c"$c" -d"$duration" --latency "$@")
  printf '%-34s c=%-3s %10s req/s  p50 %8s  p99 %8s  non2xx %s\n' "$name" "$c" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1=="50%" {print $2}')" "$(echo "$out" | awk '$1=="99%" {print $2}')" \
    "$(echo "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0)"
}
echo "== $backend, wrk -d$duration"
for c in 1 64; do
  row "REST GET /tasks/{id}" "$c" -H "Authorization: Bearer $pat" "$api/tasks/$task"
  row "MCP tools/call tasks.get" "$c" -s "$work/call.lua" "http://127.0.0.1:$port/mcp"
  row "REST GET /tasks/{id} (again)" "$c" -H "Authorization: Bearer $pat" "$api/tasks/$task"
done
row "MCP tools/list (50 tools)" 1 -s "$work/list.lua" "http://127.0.0.1:$port/mcp"
errors=$(grep -c ' ERROR ' "$work/log" || true)
echo "server errors logged: $errors"
