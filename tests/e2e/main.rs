//! Black-box tests for Stint: every test starts the real `stint serve` binary on a free port, with
//! its own data directory and (for PostgreSQL) its own freshly created database, and talks to it
//! over HTTP only. Tests defined with [`both!`] run once per database backend.
//!
//! Run them with `cargo test --test e2e`; filter by module (`-- auth`), by backend (`-- postgres`)
//! or by test name. PostgreSQL is expected on 127.0.0.1:5432 with trust authentication and a
//! database `test` (override the server part with `STINT_E2E_PG`, e.g.
//! `postgres://postgres@127.0.0.1:5432`).

#[macro_use]
mod harness;

mod auth;
mod bad_input;
mod chat;
mod cli;
mod cross_org;
mod escalation;
mod graphql;
mod invoices;
mod mcp;
mod money;
mod notifications;
mod oauth;
mod permissions;
mod plugins;
mod plugins_build;
mod rates;
mod recurrences;
mod reports;
mod search;
mod security;
mod tasks;
mod time;
mod webhooks;
mod ws;
