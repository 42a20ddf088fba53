#!/usr/bin/env bash
# Reports benchmark (issue 5): GET /api/v1/reports/{timesheet,revenue,profitability} over
# 1,000,000 time entries (bulk-inserted straight into the database: 10 members, 10 projects of
# 2 clients, a year of 30-minute entries, member rates so the rate cascade is exercised), on
# SQLite or PostgreSQL. Prints each request's wall time as curl measures it (3 runs each).
#
#   scripts/bench-reports.sh sqlite            # or: postgres [postgres://postgres@127.0.0.1:5432]
#   PROFILE=debug scripts/bench-reports.sh …   # the dev build (default: release)
#
# Needs curl, jq, sqlite3 / psql. Record the results in docs/benchmarks.md.
set -euo pipefail
backend="${1:-sqlite}"
pg="${2:-postgres://postgres@127.0.0.1:5432}"
entries="${ENTRIES:-1000000}"
source "$(dirname "$0")/bench-server.sh"

post() { curl -sf -X POST "$api$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
token=$(curl -sf -X POST "$api/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"owner@example.com","password":"bench-password","name":"Owner"}' | jq -r .access_token)
org=$(post /organizations "$token" '{"name":"Bench","timezone":"Europe/Berlin","currency":"EUR"}' | jq -r .data.id)
users=()
for i in $(seq 1 9); do
  t=$(curl -sf -X POST "$api/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"m$i@example.com\",\"password\":\"bench-password\",\"name\":\"Member $i\"}")
  users+=("$(echo "$t" | jq -r .user.id)")
  post "/organizations/$org/members" "$token" "{\"email\":\"m$i@example.com\",\"role\":\"member\"}" >/dev/null
done
owner=$(curl -sf "$api/auth/me" -H "Authorization: Bearer $token" | jq -r '.data.id // .data.user.id')
users+=("$owner")
c1=$(post /clients "$token" '{"name":"Globex","hourly_rate":9000}' | jq -r .data.id)
c2=$(post /clients "$token" '{"name":"Initech","hourly_rate":12000}' | jq -r .data.id)
projects=()
for i in $(seq 0 9); do
  c=$([ $((i % 2)) = 0 ] && echo "$c1" || echo "$c2")
  projects+=("$(post /projects "$token" "{\"name\":\"P$i\",\"client_id\":\"$c\"}" | jq -r .data.id)")
done
for u in "${users[@]}"; do
  post "/organizations/$org/members/$u/rates" "$token" '{"worker_rate":4000,"client_rate":10000,"effective_from":"2026-01-01"}' >/dev/null
  post "/organizations/$org/members/$u/rates" "$token" '{"worker_rate":4500,"client_rate":11000,"effective_from":"2026-07-01"}' >/dev/null
done
post "/projects/${projects[0]}/members/${users[0]}/rates" "$token" '{"client_rate":15000,"effective_from":"2026-03-01"}' >/dev/null

ulist=$(printf "'%s'," "${users[@]}"); ulist="${ulist%,}"
plist=$(printf "'%s'," "${projects[@]}"); plist="${plist%,}"
echo "== $backend ($profile): inserting $entries time entries"
start=$(date +%s)
if [ "$backend" = postgres ]; then
  psql "$STINT_DATABASE_URL" -q <<SQL
INSERT INTO time_entries (id, org_id, user_id, project_id, description, started_at, stopped_at,
  duration_secs, billable, created_at, updated_at)
SELECT 'te_bench' || i, '$org', (ARRAY[$ulist])[1 + i % 10], (ARRAY[$plist])[1 + (i / 10) % 10],
  'work ' || (i % 100), to_timestamp(1767225600 + i * 31), to_timestamp(1767225600 + i * 31 + 1800),
  1800, i % 5 <> 0, now(), now()
FROM generate_series(1, $entries) AS i;
ANALYZE time_entries;
SQL
else
  sqlite3 "$work/stint.db" <<SQL
PRAGMA busy_timeout = 10000;
CREATE TEMP TABLE u(n INTEGER PRIMARY KEY, id TEXT);
CREATE TEMP TABLE p(n INTEGER PRIMARY KEY, id TEXT);
INSERT INTO u(id) VALUES $(printf "('%s')," "${users[@]}" | sed 's/,$//');
INSERT INTO p(id) VALUES $(printf "('%s')," "${projects[@]}" | sed 's/,$//');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $entries)
INSERT INTO time_entries (id, org_id, user_id, project_id, description, started_at, stopped_at,
  duration_secs, billable, created_at, updated_at)
SELECT 'te_bench' || i, '$org', (SELECT id FROM u WHERE n = 1 + i % 10),
  (SELECT id FROM p WHERE n = 1 + (i / 10) % 10), 'work ' || (i % 100),
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1767225600 + i * 31, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%S+00:00', 1767225600 + i * 31 + 1800, 'unixepoch'),
  1800, i % 5 <> 0, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'
FROM n;
ANALYZE;
SQL
fi
echo "inserted in $(( $(date +%s) - start )) s"

run() {
  local path="$1"
  for i in 1 2 3; do
    out=$(curl -s -o "$work/body" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "$api$path")
    echo "GET $path → HTTP ${out% *}, ${out#* } s, $(jq -c '[.data.rows | length, .data.totals.entries // .data.totals.hours]' "$work/body" 2>/dev/null || head -c 300 "$work/body")"
  done
}
year="from=2026-01-01&to=2026-12-31"
run "/reports/timesheet?$year"
run "/reports/timesheet?$year&group_by=month"
run "/reports/revenue?$year"
run "/reports/profitability?$year"
errors=$(grep -c ' ERROR ' "$work/log" || true)
echo "server errors logged: $errors"
