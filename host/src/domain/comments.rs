//! Comments on tasks. Any member may comment; a comment can be deleted by its author or by
//! someone with `manage_tasks`.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::events::{self, Entity};
use crate::domain::permissions::Permission;
use crate::domain::{Cx, notifications, tasks, validate};
use crate::error::{Error, Result};
use crate::{ids, store};

pub use crate::model::comments::Comment;

crate::entity!(Comment, "comment");

/// `tasks.list_comments`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListComments {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Task.
    pub task_id: String,
}

/// `tasks.add_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddComment {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Task.
    pub task_id: String,
    /// Text (up to 20,000 characters).
    pub body: String,
}

/// `tasks.delete_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteComment {
    /// Organization (optional; must match).
    pub org_id: Option<String>,
    /// Task the comment belongs to.
    pub task_id: String,
    /// `cmt_…`
    pub comment_id: String,
}

/// A task's comments, oldest first.
pub async fn list(cx: &Cx<'_>, input: ListComments) -> Result<Vec<Comment>> {
    let task = tasks::load(cx, &mut cx.db(), &input.task_id).await?;
    Ok(store::task_extras::comments(&mut cx.db(), &task.id).await?)
}

/// Adds a comment, notifying the members it mentions (`@email` or `@usr_…`).
pub async fn add(cx: &Cx<'_>, input: AddComment) -> Result<Comment> {
    let mut tx = cx.db().begin().await?;
    let task = tasks::load(cx, &mut tx, &input.task_id).await?;
    let now = crate::clock::now();
    let c = Comment {
        id: ids::new_id("cmt"),
        org_id: task.org_id.clone(),
        task_id: task.id.clone(),
        user_id: cx.user_id().to_owned(),
        body: validate::name("body", &input.body, 20_000)?,
        created_at: now,
        updated_at: now,
    };
    store::task_extras::insert_comment(&mut tx, &c).await?;
    events::created(&mut tx, cx, &c).await?;
    let mentioned = notifications::mentioned_users(&mut tx, &c.body).await?;
    if !mentioned.is_empty() {
        let actor = notifications::actor_name(&mut tx, cx).await?;
        let title = format!("{actor} mentioned you on '{}'", task.title);
        notifications::notify(
            &mut tx,
            cx,
            &mentioned,
            notifications::NotificationKind::Mention,
            &title,
            tasks::Task::TYPE,
            &task.id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(c)
}

/// Deletes a comment (own, or with `manage_tasks`).
pub async fn delete(cx: &Cx<'_>, input: DeleteComment) -> Result<()> {
    let mut tx = cx.db().begin().await?;
    let c = store::task_extras::comment(&mut tx, &input.comment_id)
        .await?
        .ok_or_else(|| Error::not_found("comment"))?;
    cx.same_org(&c.org_id, "comment")?;
    if c.task_id != input.task_id {
        return Err(Error::not_found("comment"));
    }
    if c.user_id != cx.user_id() && !cx.can(Permission::ManageTasks) {
        return Err(Error::Forbidden(
            "only the author or someone with manage_tasks can delete a comment".into(),
        ));
    }
    store::task_extras::delete_comment(&mut tx, &c.id).await?;
    events::deleted(&mut tx, cx, &c).await?;
    tx.commit().await?;
    Ok(())
}
