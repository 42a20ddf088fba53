//! MCP (the Model Context Protocol) for AI assistants, on the official Rust SDK `rmcp`:
//! Streamable HTTP at `/mcp` and stdio (`stint mcp`).
//!
//! Every registered action is a tool of the same name ([`tools`]); resources are tasks,
//! projects, invoices, time entries and chat channels at `stint://…/{id}`, with updates driven by
//! the event feed ([`resources`]); a few prompts gather data for common requests ([`prompts`]).
//! A call runs through [`crate::actions::Entry::invoke`], so permissions, events, audit entries
//! and notifications are exactly REST's. `docs/mcp.md` is the user's guide.

mod http;
mod prompts;
mod resources;
mod server;
mod session_store;
mod stdio;
mod tools;

pub use http::{RESOURCE_METADATA_PATH, router};
pub use server::{StintMcp, TOOLS_PER_PAGE};
pub use stdio::{bridge, serve_in_process};
pub use tools::tools;
