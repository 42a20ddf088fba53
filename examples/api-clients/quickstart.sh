#!/usr/bin/env bash
# TRCR-style quick start against a Stint server: register, create an organization, a project and
# tasks, list them with a filter, move one to done, and read the dashboard.
#
#   STINT_URL=http://127.0.0.1:8080 examples/api-clients/quickstart.sh
#
# Needs curl and jq.
set -euo pipefail
API="${STINT_URL:-http://127.0.0.1:8080}/api/v1"
EMAIL="${EMAIL:-demo-$RANDOM@example.com}"

json() { curl -sS --fail-with-body -H 'Content-Type: application/json' "$@"; }

TOKEN=$(json -X POST "$API/auth/register" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"demo-password\",\"name\":\"Demo\"}" | jq -r .access_token)
AUTH="Authorization: Bearer $TOKEN"

ORG=$(json -X POST "$API/organizations" -H "$AUTH" -d '{"name":"Demo Co"}' | jq -r .data.id)
PROJECT=$(json -X POST "$API/projects" -H "$AUTH" -d '{"name":"Website"}' | jq -r .data.id)
echo "organization $ORG, project $PROJECT"

for title in "Design the login page" "Build the login page" "Ship it"; do
  json -X POST "$API/tasks" -H "$AUTH" \
    -d "{\"title\":\"$title\",\"project_id\":\"$PROJECT\",\"priority\":\"high\",\"due_date\":\"2027-01-15\"}" \
    | jq -r '"created #\(.data.number) \(.data.title)"'
done

FIRST=$(json "$API/tasks?project_id=$PROJECT&sort=number&per_page=1" -H "$AUTH" | jq -r '.data[0].id')
json -X POST "$API/tasks/$FIRST/status" -H "$AUTH" -d '{"status":"done"}' | jq -r '"#\(.data.number) is now \(.data.status)"'

json "$API/tasks?project_id=$PROJECT&status=open" -H "$AUTH" | jq -r '"open tasks: \(.pagination.total)"'
json "$API/dashboard/summary" -H "$AUTH" | jq '.data | {total_tasks, done, open, overdue}'
