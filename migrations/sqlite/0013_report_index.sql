-- Reports (issue 5): a covering index for the grouped time-entry queries of report plugins.
-- Every report filters on (org_id, started_at) and reads a handful of columns; with those columns
-- in the index a report over a million entries scans the index alone, never the table.
-- Kept in step with the other engine's file of the same name.

CREATE INDEX time_entries_report ON time_entries
    (org_id, started_at, user_id, project_id, task_id, duration_secs, billable, hourly_rate,
     invoice_id, stopped_at);
