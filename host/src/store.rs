//! Persistence: plain async functions per table, grouped by aggregate, over the portable layer in
//! [`db`]. Migrations for both engines are embedded from `migrations/`.

pub mod access;
pub mod accounts;
pub mod chat;
pub mod clients;
pub mod db;
pub mod events;
pub mod invoices;
pub mod labels;
pub mod milestones;
pub mod notifications;
pub mod oauth;
pub mod organizations;
pub mod plugins;
pub mod projects;
pub mod rates;
pub mod recurrences;
pub mod reports;
pub mod search;
pub mod sidebar;
pub mod task_extras;
pub mod task_groups;
pub mod task_statuses;
pub mod tasks;
pub mod time_entries;
pub mod webhooks;

pub use db::{Db, Exec, Tx};
