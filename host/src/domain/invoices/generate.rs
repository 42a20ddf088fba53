//! Generating a draft's lines from time entries through the organization's `invoicing-rule`
//! plugin: read the candidates, price them, call the plugin with no transaction open, then claim
//! the entries and replace the lines in one transaction (retried on fresh data when a concurrent
//! generate or an edit got in between).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use super::{
    GENERATE_ATTEMPTS, GenerateInvoice, Invoice, InvoiceLine, InvoiceStatus, InvoiceTax, Quantity,
    load, org_settings, require_status,
};
use crate::domain::{Cx, events, organizations, rates, validate};
use crate::error::{Error, Result};
use crate::plugins::contract::{BillableEntry, BillableTime, InvoiceContext, InvoiceResult};
use crate::store::invoices::Names;
use crate::{ids, store};

/// The UTC instant local midnight of `day` in `tz` falls on (the earlier one when ambiguous).
fn local_midnight(tz: &str, day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_time(NaiveTime::MIN);
    let zone = organizations::zone(tz);
    match zone.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        // Midnight skipped by a DST change: the first instant of the day is an hour later.
        chrono::LocalResult::None => zone
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| naive.and_utc()),
    }
}

/// The names of the distinct `ids`, by id.
async fn names_of<'a>(
    ex: &mut impl store::Exec,
    which: Names,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, String>> {
    let distinct: HashSet<&str> = ids.collect();
    let distinct: Vec<&str> = distinct.into_iter().collect();
    Ok(store::invoices::names(ex, which, &distinct)
        .await?
        .into_iter()
        .collect())
}

/// Fills a draft's lines from the client's billable, not-yet-invoiced entries of the period.
pub async fn generate(cx: &Cx<'_>, input: GenerateInvoice) -> Result<Invoice> {
    let from = input
        .from
        .as_deref()
        .map(|f| validate::date("from", f))
        .transpose()?;
    let to = input
        .to
        .as_deref()
        .map(|t| validate::date("to", t))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(Error::rule("to", "to must not be before from"));
    }
    for _ in 0..GENERATE_ATTEMPTS {
        if let Some(inv) = generate_once(cx, &input.id, from, to).await? {
            return Ok(inv);
        }
    }
    Err(Error::Conflict(format!(
        "the time entries of invoice {} kept being claimed by concurrent generation; try again",
        input.id
    )))
}

/// One round of [`generate`]: `None` when a concurrent generate claimed some entry first.
async fn generate_once(
    cx: &Cx<'_>,
    id: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Option<Invoice>> {
    // Read, without a transaction.
    let mut db = cx.db();
    let inv = load(cx, &mut db, id, false).await?;
    require_status(&inv, &[InvoiceStatus::Draft], "generated")?;
    let client = store::clients::get(&mut db, &inv.client_id)
        .await?
        .ok_or_else(|| Error::not_found("client"))?;
    let (tz, _) = org_settings(&mut db, &inv.org_id).await?;
    let to = to.unwrap_or_else(|| rates::local_today(&tz));
    let before = local_midnight(&tz, to + Duration::days(1));
    let start = from.map(|f| local_midnight(&tz, f));
    let mut candidates =
        store::invoices::candidates(&mut db, &inv.org_id, &inv.client_id, &inv.id, start, before)
            .await?;
    // The order `BillableTime` keeps (the database's collation of ids may differ), so that
    // position `i` of the plugin's input is `candidates[i]`.
    candidates.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    // Rate rows by member, so resolving scans only that member's few rows per entry.
    let mut rows: std::collections::HashMap<String, Vec<rates::Rate>> = Default::default();
    for r in store::rates::all_of_org(&mut db, &inv.org_id).await? {
        rows.entry(r.user_id.clone()).or_default().push(r);
    }
    // Names once per distinct user, project and task.
    let user_names = names_of(
        &mut db,
        Names::Users,
        candidates.iter().map(|c| c.user_id.as_str()),
    )
    .await?;
    let project_names = names_of(
        &mut db,
        Names::Projects,
        candidates.iter().map(|c| c.project_id.as_str()),
    )
    .await?;
    let task_titles = names_of(
        &mut db,
        Names::Tasks,
        candidates.iter().filter_map(|c| c.task_id.as_deref()),
    )
    .await?;
    let name =
        |names: &HashMap<String, String>, id: &str| names.get(id).cloned().unwrap_or_default();
    // What each entry looked like when read, by position: the claim takes it only if unchanged.
    let versions: Vec<String> = candidates.iter().map(|c| c.version.clone()).collect();
    let time: BillableTime = candidates
        .into_iter()
        .map(|c| {
            let local_date = rates::local_date(&tz, c.started_at);
            let r = rates::resolve(
                rows.get(&c.user_id).map(Vec::as_slice).unwrap_or_default(),
                &c.user_id,
                Some(&c.project_id),
                local_date,
                c.hourly_rate,
                client.hourly_rate,
            );
            BillableEntry {
                id: c.id,
                user_name: name(&user_names, &c.user_id),
                user_id: c.user_id,
                project_name: Some(name(&project_names, &c.project_id)),
                project_id: Some(c.project_id),
                task_title: c.task_id.as_deref().map(|t| name(&task_titles, t)),
                task_id: c.task_id,
                description: c.description,
                started_at: c.started_at,
                duration_secs: c.duration_secs,
                local_date,
                client_rate: r.client_rate,
                worker_rate: r.worker_rate,
            }
        })
        .collect();
    let period_from = from
        .or_else(|| time.entries.iter().map(|e| e.local_date).min())
        .unwrap_or(to);
    let ctx = InvoiceContext {
        org_id: inv.org_id.clone(),
        invoice_id: inv.id.clone(),
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        currency: inv.currency.clone(),
        tax_rate_bp: u32::try_from(inv.tax_rate_bp).unwrap_or(0),
        period_from,
        period_to: to,
        time_zone: tz.clone(),
        // The plugin host fills in the bound plugin's configuration.
        config: serde_json::json!({}),
    };

    // Compute, with no transaction open: a slow plugin holds no locks.
    let result: InvoiceResult = cx
        .services
        .plugins
        .compute_invoice(cx.db(), ctx, &time)
        .await?;

    // The runtime checked that every position is in range and billed once.
    let mut listed: Vec<(&str, &str)> = result
        .lines
        .iter()
        .flat_map(|line| &line.entries)
        .map(|&at| {
            let at = at as usize;
            (time.entry_ids[at].as_str(), versions[at].as_str())
        })
        .collect();
    // In key order, the claim walks the entries' primary key and appends to `invoice_entries`
    // instead of jumping around both.
    listed.sort_unstable();

    // Write: release, claim, replace, all or nothing.
    let mut tx = cx.db().begin().await?;
    let before_inv = load(cx, &mut tx, id, true).await?;
    require_status(&before_inv, &[InvoiceStatus::Draft], "generated")?;
    store::invoices::release_entries(&mut tx, id).await?;
    // Released first, then claimed: the invoice holds exactly the listed entries. An entry
    // that another invoice took, or that was edited after it was read (and so was priced from
    // stale data), is not claimed: start over.
    let claimed = store::invoices::claim_entries(&mut tx, &inv.org_id, id, &listed).await?;
    if claimed != listed.len() as u64 {
        drop(tx);
        tracing::info!(invoice = %id, listed = listed.len(), claimed, "entries claimed concurrently or edited meanwhile; retrying generate");
        return Ok(None);
    }
    let mut after = before_inv.clone();
    after.lines = result
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| InvoiceLine {
            id: ids::new_id("inl"),
            invoice_id: id.to_owned(),
            org_id: inv.org_id.clone(),
            position: i as i64,
            description: l.description.clone(),
            quantity_milli: l.quantity_milli,
            quantity: Quantity(l.quantity_milli),
            unit_price: l.unit_price,
            amount: l.amount,
            entry_ids: l.entry_ids(&time).map(str::to_owned).collect(),
        })
        .collect();
    after.discount = result.discount;
    after.subtotal = result.subtotal;
    after.tax = result.tax;
    after.total = result.total;
    after.taxes = result
        .taxes
        .iter()
        .map(|t| InvoiceTax {
            description: t.description.clone(),
            rate_bp: i64::from(t.rate_bp),
            base: t.base,
            amount: t.amount,
        })
        .collect();
    after.period_from = Some(period_from);
    after.period_to = Some(to);
    after.updated_at = crate::clock::now();
    store::invoices::replace_lines(&mut tx, id, &after.lines).await?;
    store::invoices::update(&mut tx, &after).await?;
    events::updated(&mut tx, cx, &before_inv, &after).await?;
    tx.commit().await?;
    Ok(Some(after))
}
