#!/usr/bin/env bash
# Invoice generation benchmark (issue 4): `POST /api/v1/invoices/{id}/generate` over N billable
# time entries (default 100,000) on a release `stint` with the embedded SQLite database, through
# the built-in `invoicing-standard` plugin.
#
#   scripts/bench-generate.sh [ENTRIES]
#
# One entry is created through REST; the rest are copied from it straight into the database file
# (ids and start times changed), which takes seconds instead of minutes of REST calls. Needs curl,
# jq and sqlite3. Results go to stdout; record them in docs/benchmarks.md.
set -euo pipefail
entries="${1:-100000}"
backend=sqlite
source "$(dirname "$0")/bench-server.sh"

post() { curl -sf -X POST "$api/$1" -H "$auth" -d "$2"; }
token=$(curl -sf -X POST "$api/auth/register" -d '{"email":"bench@example.com","password":"bench-password","name":"Bench"}' | jq -r .access_token)
auth="Authorization: Bearer $token"
post organizations '{"name":"Bench"}' >/dev/null
client=$(post clients '{"name":"Globex","hourly_rate":12000,"tax_rate_bp":1900}' | jq -r .data.id)
project=$(post projects "{\"name\":\"Load\",\"client_id\":\"$client\"}" | jq -r .data.id)
# Warm-up: the first call of a plugin compiles it (then cached in the data dir); not timed.
warm=$(post invoices "{\"client_id\":\"$client\",\"issue_date\":\"2026-04-01\",\"due_date\":\"2026-04-30\"}" | jq -r .data.id)
post "invoices/$warm/generate" '{"from":"2026-03-01","to":"2026-03-31"}' >/dev/null
seed=$(post time-entries "{\"project_id\":\"$project\",\"started_at\":\"2026-03-01T00:00:00Z\",\"stopped_at\":\"2026-03-01T00:00:20Z\",\"description\":\"Work\"}" | jq -r .data.id)
[ "$seed" != null ] || { echo "could not create the seed entry" >&2; exit 1; }

# Copy the seed row N-1 times: entry i starts 25 s after entry i-1 and lasts 20 s (all in March).
db="$work/stint.db"
cols=$(sqlite3 "$db" "SELECT group_concat(name, ',') FROM pragma_table_info('time_entries')")
select=$(echo "$cols" | tr ',' '\n' | sed \
  -e "s/^id$/'te_bench' || n.i/" \
  -e "s/^started_at$/strftime('%Y-%m-%dT%H:%M:%SZ', '2026-03-01 00:00:00', '+' || (n.i * 25) || ' seconds')/" \
  -e "s/^stopped_at$/strftime('%Y-%m-%dT%H:%M:%SZ', '2026-03-01 00:00:20', '+' || (n.i * 25) || ' seconds')/" \
  -e "s/^\([a-z_]*\)$/s.\1/" | paste -sd, -)
sqlite3 -cmd ".timeout 10000" "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $entries - 1)
INSERT INTO time_entries ($cols) SELECT $select FROM n, time_entries s WHERE s.id = '$seed';
SQL
echo "time entries: $(sqlite3 "$db" 'SELECT count(*) FROM time_entries')"

invoice=$(post invoices "{\"client_id\":\"$client\",\"issue_date\":\"2026-04-01\",\"due_date\":\"2026-04-30\"}" | jq -r .data.id)
echo "== generate over $entries entries (SQLite, $profile)"
curl -s -o "$work/out.json" -w 'status %{http_code}, %{time_total} s\n' -X POST "$api/invoices/$invoice/generate" \
  -H "$auth" -d '{"from":"2026-03-01","to":"2026-03-31"}'
jq -c '.data | {subtotal, tax, total, lines: (.line_items // .lines | length)}' "$work/out.json" 2>/dev/null || true; jq -c .error "$work/out.json" 2>/dev/null || true
echo "invoiced entries: $(sqlite3 "$db" "SELECT count(*) FROM invoice_entries WHERE invoice_id = '$invoice'")"
echo "server errors logged: $(grep -c ' ERROR ' "$work/log" || true)"
