//! Disabling a plugin after repeated failed calls, and telling the organization.

use serde_json::json;

use crate::domain::events::{self, Audience};
use crate::domain::permissions::Permission;
use crate::error::Result;
use crate::store::{self, plugins::PluginRow};

/// Disables a plugin after `failures` consecutive failed calls (once, across processes) and
/// tells the organization: an audit entry and a notification for each owner and admin.
pub async fn auto_disable(
    db: &crate::store::Db,
    org_id: &str,
    row: &PluginRow,
    failures: i64,
    last: &crate::plugins::runtime::PluginFailure,
) -> Result<()> {
    let now = crate::clock::now();
    let reason = format!(
        "disabled automatically after {failures} consecutive failed calls (last: {}: {})",
        last.reason.as_str(),
        truncate(&last.message, 300)
    );
    let mut tx = db.begin().await?;
    if !store::plugins::disable_if_enabled(&mut tx, &row.id, &reason, now).await? {
        return Ok(());
    }
    tracing::error!(plugin = %row.name, version = %row.version, org_id, %reason, "plugin disabled");
    events::system_change(
        &mut tx,
        events::SystemChange {
            org_id,
            entity_type: "plugin",
            entity_id: &row.id,
            action: "disabled",
            entity: Some(
                json!({ "id": row.id, "name": row.name, "version": row.version,
                                 "enabled": false, "disabled_reason": reason }),
            ),
            changes: None,
            audience: Audience::holders(Permission::ManagePlugins.as_str()),
            details: json!({ "reason": reason, "failures": failures,
                             "last_failure": last.reason.as_str(), "name": row.name,
                             "version": row.version }),
        },
    )
    .await?;
    let title = format!(
        "Plugin {}@{} was disabled after {failures} failed calls",
        row.name, row.version
    );
    crate::domain::notifications::notify_admins(
        &mut tx,
        org_id,
        crate::domain::notifications::NotificationKind::PluginDisabled,
        &title,
        "plugin",
        &row.id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}
