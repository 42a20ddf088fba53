-- Webhooks: finished deliveries are purged after the retention (STINT_WEBHOOK_RETENTION_DAYS);
-- this index lets the housekeeping job find them without scanning the delivery log.
-- Kept in step with the other engine's file of the same name.

CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at)
    WHERE status IN ('delivered', 'failed');
