//! Clients.

use crate::model::clients::Client;
use crate::q;
use crate::store::db::{Arg, Exec, Listing, Query, Sql, fetch_page};
use crate::store::projects::escape_like;

const COLUMNS: &str =
    "id, org_id, name, email, currency, tax_rate_bp, hourly_rate, notes, created_at, updated_at";

/// Inserts a client.
pub async fn insert(ex: &mut impl Exec, c: &Client) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO clients (id, org_id, name, email, currency, tax_rate_bp, hourly_rate, notes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &c.id, &c.org_id, &c.name, c.email.as_ref(), &c.currency, c.tax_rate_bp, c.hourly_rate,
        c.notes.as_ref(), c.created_at, c.updated_at
    ))
    .await
    .map(drop)
}

/// The clients among `ids` that `reader` may see.
pub async fn by_ids(
    ex: &mut impl Exec,
    ids: &[String],
    reader: crate::store::db::Reader<'_>,
) -> sqlx::Result<Vec<Client>> {
    crate::store::db::fetch_visible(
        ex,
        &format!("SELECT {COLUMNS} FROM clients"),
        ("id", "org_id"),
        ids,
        reader,
    )
    .await
}

/// A client by id.
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Client>> {
    ex.fetch_optional(
        Query::new(Sql::Built(format!(
            "SELECT {COLUMNS} FROM clients WHERE id = $1"
        )))
        .bind(id),
    )
    .await
}

/// Clients of an organization by name, optionally matching a search term, with the total.
pub async fn list(
    ex: &mut impl Exec,
    org_id: &str,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Client>, i64)> {
    let mut wh = String::from("org_id = $1");
    let mut args: Vec<Arg> = vec![org_id.into()];
    if let Some(s) = search {
        args.push(format!("%{}%", escape_like(&s.to_lowercase())).into());
        let n = args.len();
        wh.push_str(&format!(
            " AND (LOWER(name) LIKE ${n} ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE ${n} ESCAPE '\\')"
        ));
    }
    let listing = Listing {
        select: &format!("SELECT {COLUMNS} FROM clients"),
        from: "clients",
        filter: &wh,
        order: "LOWER(name), id",
    };
    fetch_page(ex, listing, args, limit, offset).await
}

/// Writes a client's fields.
pub async fn update(ex: &mut impl Exec, c: &Client) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE clients SET name = $2, email = $3, currency = $4, tax_rate_bp = $5, hourly_rate = $6, notes = $7,
         updated_at = $8 WHERE id = $1",
        &c.id, &c.name, c.email.as_ref(), &c.currency, c.tax_rate_bp, c.hourly_rate, c.notes.as_ref(),
        c.updated_at
    ))
    .await
    .map(drop)
}

/// How many projects name the client.
pub async fn project_count(ex: &mut impl Exec, id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = ex
        .fetch_one(q!("SELECT COUNT(*) FROM projects WHERE client_id = $1", id))
        .await?;
    Ok(n)
}

/// Deletes a client.
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM clients WHERE id = $1", id))
        .await
        .map(drop)
}

/// The organization's default currency.
pub async fn org_currency(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!(
            "SELECT currency FROM organizations WHERE id = $1",
            org_id
        ))
        .await?;
    Ok(row.map(|(c,)| c))
}
