//! Prefixed, sortable identifiers (`tsk_01jd…`): a type prefix and a lower-case ULID, so ids sort
//! by creation time and tell what they point at.

/// A fresh id with the given prefix, e.g. `new_id("tsk")` → `tsk_01jd6…`.
pub fn new_id(prefix: &str) -> String {
    let ulid = ulid::Ulid::new().to_string().to_ascii_lowercase();
    let mut id = String::with_capacity(prefix.len() + 1 + ulid.len());
    id.push_str(prefix);
    id.push('_');
    id.push_str(&ulid);
    id
}

/// What an id prefix names: the one table of prefixes that scope resolution, error messages and
/// everything else that reads an id's kind use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The prefix, without `_`.
    pub prefix: &'static str,
    /// What it is, for messages (`task not found`).
    pub name: &'static str,
    /// The table holding it, when it belongs to one organization (its `org_id` column).
    pub org_table: Option<&'static str>,
}

const fn kind(prefix: &'static str, name: &'static str, org_table: Option<&'static str>) -> Kind {
    Kind {
        prefix,
        name,
        org_table,
    }
}

/// Every entity kind addressed by id through the API.
pub const KINDS: &[Kind] = &[
    kind("org", "organization", None),
    kind("prj", "project", Some("projects")),
    kind("grp", "task group", Some("task_groups")),
    kind("sts", "task status", Some("task_statuses")),
    kind("tsk", "task", Some("tasks")),
    kind("cmt", "comment", Some("task_comments")),
    kind("chk", "checklist item", Some("checklist_items")),
    kind("dep", "dependency", Some("task_dependencies")),
    kind("lbl", "label", Some("labels")),
    kind("ms", "milestone", Some("milestones")),
    kind("ch", "channel", Some("chat_channels")),
    kind("msg", "message", Some("chat_messages")),
    kind("cli", "client", Some("clients")),
    kind("te", "time entry", Some("time_entries")),
    kind("rt", "rate", Some("member_rates")),
    kind("inv", "invoice", Some("invoices")),
    kind("ivt", "invitation", Some("org_invitations")),
    kind("rec", "recurrence", Some("task_recurrences")),
    kind("whk", "webhook", Some("webhook_subscriptions")),
    // Installed instance-wide; an organization's part is its configuration and bindings.
    kind("plg", "plugin", None),
];

/// The kind of an id, from its prefix.
pub fn kind_of(id: &str) -> Option<&'static Kind> {
    let p = prefix(id)?;
    KINDS.iter().find(|k| k.prefix == p)
}

/// The prefix of an id (`"tsk"` for `tsk_…`), if it has one.
pub fn prefix(id: &str) -> Option<&str> {
    id.split_once('_').map(|(p, _)| p)
}

/// A random secret of `bytes` bytes, URL-safe base64 without padding.
pub fn secret(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a secret, hex-encoded: how tokens are stored at rest.
pub fn hash_secret(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_sort_by_time() {
        let a = new_id("tsk");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id("tsk");
        assert_eq!(prefix(&a), Some("tsk"));
        assert!(a < b, "{a} should sort before {b}");
        assert_eq!(a.len(), 4 + 26);
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(secret(32), secret(32));
        assert_eq!(hash_secret("x"), hash_secret("x"));
        assert_eq!(hash_secret("x").len(), 64);
    }
}
