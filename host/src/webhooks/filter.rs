//! A subscription's event filter: which events it receives.
//!
//! Each entry is one of `*` (everything), an event name (`EntityChanged`, `TimerUpdate`, …), or
//! for `EntityChanged` events `entity_type.action` with `*` for either part (`task.created`,
//! `task.*`, `*.deleted`).

/// Longest filter list.
pub const MAX_FILTERS: usize = 50;

/// Checks one filter entry's syntax.
pub fn valid(entry: &str) -> bool {
    let part = |p: &str| {
        p == "*"
            || (!p.is_empty()
                && p.len() <= 64
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    };
    match entry.split_once('.') {
        Some((a, b)) => part(a) && part(b),
        None => part(entry),
    }
}

/// Whether an event matches any of `filters`.
pub fn matches(filters: &[String], kind: &str, entity_type: &str, action: &str) -> bool {
    filters.iter().any(|f| match f.split_once('.') {
        None => f == "*" || f == kind,
        Some((t, a)) => {
            kind == "EntityChanged" && (t == "*" || t == entity_type) && (a == "*" || a == action)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matching() {
        assert!(matches(
            &f(&["*"]),
            "ChatMessage",
            "chat_message",
            "created"
        ));
        assert!(matches(&f(&["task.*"]), "EntityChanged", "task", "updated"));
        assert!(matches(
            &f(&["*.deleted"]),
            "EntityChanged",
            "project",
            "deleted"
        ));
        assert!(!matches(
            &f(&["task.created"]),
            "EntityChanged",
            "task",
            "updated"
        ));
        assert!(matches(
            &f(&["EntityChanged"]),
            "EntityChanged",
            "task",
            "updated"
        ));
        assert!(!matches(&f(&["task.*"]), "TimerUpdate", "task", "updated"));
        assert!(!matches(&f(&[]), "EntityChanged", "task", "updated"));
    }

    #[test]
    fn syntax() {
        for ok in ["*", "task.created", "task.*", "*.deleted", "EntityChanged"] {
            assert!(valid(ok), "{ok}");
        }
        for bad in ["", "task.", ".x", "a.b.c", "task created", "x-y"] {
            assert!(!valid(bad), "{bad}");
        }
    }
}
