//! What an action does to the data, read from its name: whether it only reads, and for a write
//! whether it destroys something and whether repeating it changes nothing more. GraphQL puts
//! reads on `Query` and writes on `Mutation`; MCP turns the same answers into tool annotations.

/// The last name segments that only read (`tasks.list`, `tasks.checklist.list`, …).
const READS: &[&str] = &[
    "list",
    "get",
    "current",
    "budget",
    "summary",
    "bindings",
    "deliveries",
    "get_config",
    "list_comments",
    "list_all",
    "get_collapsed",
    "pdf",
];

/// Writes that remove something for good.
const DESTRUCTIVE: &[&str] = &["delete", "remove", "delete_comment", "unbind"];

/// Writes that, repeated with the same payload, leave the data as the first call left it.
const IDEMPOTENT: &[&str] = &[
    "update",
    "update_status",
    "set",
    "set_config",
    "delete",
    "remove",
    "delete_comment",
    "mark_read",
    "enable",
    "disable",
    "bind",
    "unbind",
    "reorder",
];

fn verb(action: &str) -> &str {
    action.rsplit('.').next().unwrap_or(action)
}

/// Whether an action only reads: its last name segment is a reading verb, or it is a search or a
/// report.
pub fn is_read(action: &str) -> bool {
    action == "search" || action.starts_with("reports.") || READS.contains(&verb(action))
}

/// Whether a write removes data (a read never does).
pub fn is_destructive(action: &str) -> bool {
    !is_read(action) && DESTRUCTIVE.contains(&verb(action))
}

/// Whether calling the action twice with the same payload has no more effect than once.
pub fn is_idempotent(action: &str) -> bool {
    is_read(action) || IDEMPOTENT.contains(&verb(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tell_reads_and_writes_apart() {
        assert!(is_read("tasks.list") && is_read("reports.revenue") && is_read("search"));
        assert!(!is_read("tasks.create") && !is_read("tasks.checklist.toggle"));
        assert!(is_destructive("tasks.delete") && is_destructive("members.remove"));
        assert!(!is_destructive("tasks.update") && !is_destructive("tasks.list"));
        assert!(is_idempotent("tasks.update") && is_idempotent("tasks.get"));
        assert!(!is_idempotent("tasks.create") && !is_idempotent("time_entries.start"));
    }
}
