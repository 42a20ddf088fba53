//! Search hits.

use schemars::JsonSchema;
use serde::Serialize;

/// One search result.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, JsonSchema)]
pub struct SearchHit {
    /// What was found.
    #[serde(rename = "type")]
    #[sqlx(try_from = "String")]
    pub kind: SearchKind,
    /// The entity's id (`tsk_…`, `prj_…`, `cmt_…`, a message's or a client's id).
    pub id: String,
    /// The task's title, the project's or client's name; for a comment, the title of its task;
    /// for a chat message, the name of its channel.
    pub title: String,
    /// A short excerpt around the match, HTML-escaped, with the matched words wrapped in
    /// `<mark>…</mark>`.
    pub snippet: String,
    /// Relevance, higher is better; comparable only within one response.
    #[sqlx(rename = "score")]
    pub rank: f64,
    /// The project the entity belongs to (a project's own id); none for chat messages and clients.
    pub project_id: Option<String>,
    /// For a comment, its task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// For a chat message, its channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// For an invoice or an invoice line, the invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
}

crate::code_enum! {
    /// What can be searched (`ALL` is the order results of equal rank are not otherwise
    /// distinguished).
    pub enum SearchKind {
        /// Tasks: title and description.
        Task = "task",
        /// Projects: name and description.
        Project = "project",
        /// Task comments: their text.
        Comment = "comment",
        /// Chat messages: their text; only those of channels the caller can see.
        ChatMessage = "chat_message",
        /// Clients: name, e-mail and notes.
        Client = "client",
        /// Invoices: number and notes (callers with `manage_invoices` only).
        Invoice = "invoice",
        /// Invoice lines: their description (callers with `manage_invoices` only).
        InvoiceLine = "invoice_line",
    }
}
