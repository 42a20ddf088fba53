//! The invoicing rules as plain Rust (see the crate docs for the arithmetic).

use std::collections::HashMap;

use serde::Deserialize;
use stint_plugin::money::div_half_up;
use stint_plugin::{
    BillableTime, Date, InvoiceContext, InvoiceResult, LineItem, Named, TaxLine, TimeEntry,
};

/// The plugin's configuration (`context.config`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Rounding of each entry's duration.
    pub rounding: Rounding,
    /// Every entry with a positive duration bills at least this many minutes.
    pub minimum_minutes: u32,
    /// How entries are grouped into lines.
    pub group_by: GroupBy,
    /// Discount in basis points of the lines' total (0..=10000).
    pub discount_bp: u32,
    /// Fixed discount in minor units (≥ 0), added to the percentage discount.
    pub discount_amount: i64,
    /// Overrides the context's (client's) tax rate.
    pub tax_rate_bp: Option<u32>,
    /// Label of the main tax line (default "Tax").
    pub tax_label: Option<String>,
    /// Further taxes, each on the subtotal.
    pub extra_taxes: Vec<TaxConfig>,
}

/// Rounding of an entry's duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rounding {
    /// The direction.
    pub mode: RoundingMode,
    /// The step in minutes (1..=1440), e.g. 1, 6, 15 or 30.
    #[serde(default = "one")]
    pub minutes: u32,
}

fn one() -> u32 {
    1
}

impl Default for Rounding {
    fn default() -> Self {
        Rounding {
            mode: RoundingMode::None,
            minutes: 1,
        }
    }
}

/// Rounding direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Bill the exact seconds.
    None,
    /// Up to the next step.
    Up,
    /// Down to the previous step.
    Down,
    /// To the nearest step, halves up.
    Nearest,
}

/// What a line groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One line per project (and rate).
    #[default]
    Project,
    /// One line per task (and rate).
    Task,
    /// One line per user (and rate).
    User,
    /// One line per local day (and rate).
    Day,
}

/// An additional tax.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxConfig {
    /// The tax line's description.
    pub description: String,
    /// Its rate in basis points.
    pub rate_bp: u32,
}

/// Parses and checks `context.config` (`""` counts as `{}`).
pub fn parse_config(json: &str) -> Result<Config, String> {
    let json = json.trim();
    let config: Config = if json.is_empty() {
        Config::default()
    } else {
        serde_json::from_str(json).map_err(|e| format!("invalid invoicing-standard config: {e}"))?
    };
    let bad = |m: String| Err(format!("invalid invoicing-standard config: {m}"));
    if !(1..=1440).contains(&config.rounding.minutes) {
        return bad(format!(
            "rounding.minutes must be between 1 and 1440, got {}",
            config.rounding.minutes
        ));
    }
    if config.minimum_minutes > 1440 {
        return bad(format!(
            "minimum_minutes must be at most 1440, got {}",
            config.minimum_minutes
        ));
    }
    if config.discount_bp > 10_000 {
        return bad(format!(
            "discount_bp must be between 0 and 10000, got {}",
            config.discount_bp
        ));
    }
    if config.discount_amount < 0 {
        return bad(format!(
            "discount_amount must not be negative, got {}",
            config.discount_amount
        ));
    }
    for rate in config
        .tax_rate_bp
        .iter()
        .chain(config.extra_taxes.iter().map(|t| &t.rate_bp))
    {
        if *rate > 10_000 {
            return bad(format!("tax rates must be at most 10000 bp, got {rate}"));
        }
    }
    Ok(config)
}

fn to_i64(v: i128, what: &str) -> Result<i64, String> {
    i64::try_from(v).map_err(|_| format!("{what} overflows"))
}

/// The seconds billed for an entry of `duration_secs` under `config` (step 1 of the crate docs);
/// a negative duration counts as zero.
pub fn billed_secs(config: &Config, duration_secs: i64) -> i64 {
    let d = duration_secs.max(0);
    let q = i64::from(config.rounding.minutes) * 60;
    let rounded = match config.rounding.mode {
        RoundingMode::None => d,
        RoundingMode::Up => (d + q - 1) / q * q,
        RoundingMode::Down => d / q * q,
        RoundingMode::Nearest => (d + q / 2) / q * q,
    };
    let minimum = i64::from(config.minimum_minutes) * 60;
    if d > 0 && rounded < minimum {
        minimum
    } else {
        rounded
    }
}

/// The group an entry belongs to under a [`GroupBy`]: positions and dates, cheap to hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Group {
    Project(Option<u32>),
    Task(Option<u32>, Option<u32>),
    User(u32),
    Day(Date),
}

impl Group {
    fn of(group_by: GroupBy, e: &TimeEntry) -> Group {
        match group_by {
            GroupBy::Project => Group::Project(e.project),
            GroupBy::Task => Group::Task(e.project, e.task),
            GroupBy::User => Group::User(e.person),
            GroupBy::Day => Group::Day(e.local_date),
        }
    }

    /// (label, key): lines are sorted by label, then by key (an id, or the date).
    fn label_and_key(self, time: &BillableTime) -> (String, String) {
        let project = |at: Option<u32>| at.map(|at| &time.projects[at as usize]);
        let task = |at: Option<u32>| at.map(|at| &time.tasks[at as usize]);
        let id = |n: Option<&Named>| n.map(|n| n.id.clone()).unwrap_or_default();
        match self {
            Group::Project(p) => {
                let p = project(p);
                let label = p.map_or_else(|| "No project".into(), |p| p.name.clone());
                (label, id(p))
            }
            Group::Task(p, t) => {
                let (p, t) = (project(p), task(t));
                let label = match (p, t) {
                    (Some(p), Some(t)) => format!("{}: {}", p.name, t.name),
                    (None, Some(t)) => t.name.clone(),
                    (Some(p), None) => format!("{}: no task", p.name),
                    (None, None) => "No project, no task".into(),
                };
                (label, format!("{}/{}", id(p), id(t)))
            }
            Group::User(u) => {
                let u = &time.people[u as usize];
                (u.name.clone(), u.id.clone())
            }
            Group::Day(d) => {
                let label = format!("{:04}-{:02}-{:02}", d.year, d.month, d.day);
                (label.clone(), label)
            }
        }
    }
}

/// One line in the making: billed seconds and the entries' positions, in input order (which
/// is start order).
#[derive(Default)]
struct Slot {
    secs: i128,
    entries: Vec<u32>,
}

/// "19 %", "7.5 %", "0.25 %".
fn percent(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole} %")
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{} %", frac / 10)
    } else {
        format!("{whole}.{frac:02} %")
    }
}

/// Computes the invoice (the plugin's `compute`).
pub fn compute(ctx: &InvoiceContext, time: &BillableTime) -> Result<InvoiceResult, String> {
    let config = parse_config(&ctx.config)?;

    // (group, rate) → slot; consecutive entries mostly share a slot, so the last one is
    // remembered and the map is asked only on a change.
    let mut slots: Vec<((Group, i64), Slot)> = Vec::new();
    let mut index: HashMap<(Group, i64), usize> = HashMap::new();
    let mut last: Option<((Group, i64), usize)> = None;
    for (at, e) in time.positioned() {
        if e.duration_secs < 0 {
            return Err(format!("time entry {at} has a negative duration"));
        }
        if e.client_rate < 0 {
            return Err(format!("time entry {at} has a negative rate"));
        }
        let key = (Group::of(config.group_by, e), e.client_rate);
        let slot = match last {
            Some((k, i)) if k == key => i,
            _ => {
                let i = *index.entry(key).or_insert_with(|| {
                    slots.push((key, Slot::default()));
                    slots.len() - 1
                });
                last = Some((key, i));
                i
            }
        };
        let slot = &mut slots[slot].1;
        slot.secs += i128::from(billed_secs(&config, e.duration_secs));
        slot.entries.push(at);
    }

    // Lines by (label, key, rate descending).
    type LineKey = (String, String, std::cmp::Reverse<i64>);
    let mut sorted: Vec<(LineKey, Slot)> = slots
        .into_iter()
        .map(|((group, rate), slot)| {
            let (label, key) = group.label_and_key(time);
            ((label, key, std::cmp::Reverse(rate)), slot)
        })
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));

    let mut lines = Vec::with_capacity(sorted.len());
    let mut lines_total: i128 = 0;
    for ((label, _key, std::cmp::Reverse(rate)), slot) in sorted {
        let amount = div_half_up(slot.secs * i128::from(rate), 3600);
        lines_total += amount;
        lines.push(LineItem {
            description: label,
            quantity_milli: to_i64(div_half_up(slot.secs * 1000, 3600), "quantity")?,
            unit_price: rate,
            amount: to_i64(amount, "line amount")?,
            entries: slot.entries,
        });
    }

    let discount = (div_half_up(lines_total * i128::from(config.discount_bp), 10_000)
        + i128::from(config.discount_amount))
    .min(lines_total);
    let subtotal = lines_total - discount;

    let main_rate = config.tax_rate_bp.unwrap_or(ctx.tax_rate_bp);
    let main_label = config.tax_label.clone().unwrap_or_else(|| "Tax".into());
    let mut taxes = Vec::new();
    let mut tax: i128 = 0;
    let all = std::iter::once((main_label, main_rate)).chain(
        config
            .extra_taxes
            .iter()
            .map(|t| (t.description.clone(), t.rate_bp)),
    );
    for (label, rate_bp) in all {
        if rate_bp == 0 {
            continue;
        }
        let amount = div_half_up(subtotal * i128::from(rate_bp), 10_000);
        tax += amount;
        taxes.push(TaxLine {
            description: format!("{label} {}", percent(rate_bp)),
            rate_bp,
            base: to_i64(subtotal, "subtotal")?,
            amount: to_i64(amount, "tax")?,
        });
    }

    Ok(InvoiceResult {
        lines,
        discount: to_i64(discount, "discount")?,
        subtotal: to_i64(subtotal, "subtotal")?,
        taxes,
        tax: to_i64(tax, "tax")?,
        total: to_i64(subtotal + tax, "total")?,
    })
}

#[cfg(test)]
mod tests;
