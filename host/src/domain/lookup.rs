//! Batch reads by id for interfaces that resolve relations (GraphQL's batched links): each
//! returns the records among the ids that the principal may see — those of organizations they
//! belong to (a personal access token: its own organization only), decided in the same query.
//! Every record read here is one any member of its organization may read through its action
//! (`projects.get`, `labels.list`, …), so membership is the whole rule. Ids the principal may not
//! see are simply absent, like ids that do not exist.

use crate::auth::Principal;
use crate::domain::Services;
use crate::error::Result;
use crate::model::accounts::User;
use crate::model::checklist::ChecklistItem;
use crate::model::clients::Client;
use crate::model::comments::Comment;
use crate::model::labels::Label;
use crate::model::milestones::Milestone;
use crate::model::projects::Project;
use crate::model::tasks::Task;
use crate::store::{self, db::Reader};

fn reader(principal: &Principal) -> Reader<'_> {
    Reader {
        user_id: &principal.user_id,
        bound_org: principal.bound_org(),
    }
}

/// Projects by id.
pub async fn projects(
    services: &Services,
    who: &Principal,
    ids: &[String],
) -> Result<Vec<Project>> {
    Ok(store::projects::by_ids(&mut &services.db, ids, reader(who)).await?)
}

/// Tasks by id.
pub async fn tasks(services: &Services, who: &Principal, ids: &[String]) -> Result<Vec<Task>> {
    Ok(store::tasks::by_ids(&mut &services.db, ids, reader(who)).await?)
}

/// Labels by id.
pub async fn labels(services: &Services, who: &Principal, ids: &[String]) -> Result<Vec<Label>> {
    Ok(store::labels::by_ids(&mut &services.db, ids, reader(who)).await?)
}

/// Milestones by id.
pub async fn milestones(
    services: &Services,
    who: &Principal,
    ids: &[String],
) -> Result<Vec<Milestone>> {
    Ok(store::milestones::by_ids(&mut &services.db, ids, reader(who)).await?)
}

/// Clients by id.
pub async fn clients(services: &Services, who: &Principal, ids: &[String]) -> Result<Vec<Client>> {
    Ok(store::clients::by_ids(&mut &services.db, ids, reader(who)).await?)
}

/// Users by id who share an organization with the principal.
pub async fn users(services: &Services, who: &Principal, ids: &[String]) -> Result<Vec<User>> {
    Ok(store::accounts::users_sharing_an_org(&mut &services.db, ids, reader(who)).await?)
}

/// The comments of tasks by task id, each task's in the order `tasks.list_comments` gives.
pub async fn comments_of_tasks(
    services: &Services,
    who: &Principal,
    task_ids: &[String],
) -> Result<Vec<Comment>> {
    let mut rows =
        store::task_extras::comments_of_tasks(&mut &services.db, task_ids, reader(who)).await?;
    rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(rows)
}

/// The checklist items of tasks by task id, each task's in the order `tasks.checklist.list`
/// gives.
pub async fn checklists_of_tasks(
    services: &Services,
    who: &Principal,
    task_ids: &[String],
) -> Result<Vec<ChecklistItem>> {
    let mut rows =
        store::task_extras::checklists_of_tasks(&mut &services.db, task_ids, reader(who)).await?;
    rows.sort_by_key(|r| (r.position, r.created_at));
    Ok(rows)
}
