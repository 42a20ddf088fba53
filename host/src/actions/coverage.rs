//! Checks the registry against the reference's action tables (`tests/fixtures/reference-actions.txt`).

use std::collections::BTreeMap;

/// Tables whose every action must be registered. Later work adds the rest.
const COVERED: &[&str] = &[
    "Tasks",
    "Projects",
    "Task Groups",
    "Task Statuses",
    "Task Recurrences",
    "Organizations",
    "Members",
    "Labels",
    "Milestones",
    "Sidebar",
    "Dashboard",
    "Audit",
    "Search",
    "Chat",
    "Notifications",
    "Clients",
    "Time Entries",
    "Invoices",
    "Reports",
];

const FIXTURE: &str = include_str!("../../../tests/fixtures/reference-actions.txt");

fn tables() -> BTreeMap<String, Vec<String>> {
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in FIXTURE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.to_owned());
            tables.insert(name.to_owned(), Vec::new());
        } else if let Some(t) = &current {
            tables
                .get_mut(t)
                .expect("table exists")
                .push(line.to_owned());
        }
    }
    tables
}

#[test]
fn every_action_of_the_covered_tables_is_registered() {
    let registry = super::build_registry();
    let tables = tables();
    let mut missing = Vec::new();
    for table in COVERED {
        let actions = tables
            .get(*table)
            .unwrap_or_else(|| panic!("fixture has no table {table:?}"));
        assert!(!actions.is_empty(), "fixture table {table:?} is empty");
        missing.extend(
            actions
                .iter()
                .filter(|a| registry.get(a).is_none())
                .map(|a| format!("{table}: {a}")),
        );
    }
    assert!(
        missing.is_empty(),
        "actions missing from the registry:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_registered_action_has_a_schema_and_a_description() {
    let registry = super::build_registry();
    let mut count = 0;
    for entry in registry.entries() {
        assert!(
            !entry.description.is_empty(),
            "{} has no description",
            entry.name
        );
        let schema = serde_json::to_value((entry.schema)()).expect("schema serializes");
        assert_eq!(
            schema["type"], "object",
            "{} payload is not an object schema",
            entry.name
        );
        count += 1;
    }
    assert!(count >= 50, "only {count} actions registered");
}

#[test]
fn every_action_is_reachable_over_rest() {
    let registry = super::build_registry();
    let routed: std::collections::BTreeSet<_> = crate::route_table()
        .into_iter()
        .filter_map(|r| r.action)
        .collect();
    let unrouted: Vec<_> = registry
        .entries()
        .map(|e| e.name)
        .filter(|n| !routed.contains(n))
        .collect();
    assert!(
        unrouted.is_empty(),
        "actions without a REST route: {unrouted:?}"
    );
}
