//! Business rules, one module per aggregate. Nothing here knows about HTTP or SQL text: operations
//! take a [`Cx`] (who is calling, in which organization) and typed inputs, enforce the rules, and
//! call [`crate::store`] inside a transaction that also records the change ([`events`]).

pub mod accounts;
pub mod audit;
pub mod budgets;
pub mod chat;
pub mod checklist;
pub mod clients;
pub mod comments;
pub mod context;
pub mod dashboard;
pub mod dependencies;
pub mod events;
pub mod invoices;
pub mod labels;
pub mod lookup;
pub mod members;
pub mod milestones;
pub mod money;
pub mod notifications;
pub mod oauth;
pub mod organizations;
pub mod page;
pub mod permissions;
pub mod plugins;
pub mod projects;
pub mod rates;
pub mod recurrences;
pub mod reports;
pub mod search;
pub mod services;
pub mod sidebar;
pub mod sign_in;
pub mod task_groups;
pub mod task_statuses;
pub mod tasks;
pub mod time_entries;
pub mod validate;
pub mod webhooks;
pub mod wire;

pub use context::{Cx, Membership, Scope};
pub use page::{Page, PageQuery};
pub use permissions::{Permission, Role};
pub use services::Services;
