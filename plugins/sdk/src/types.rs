//! Plain Rust mirrors of the WIT records, so plugin code never names generated types.

/// An instant: whole seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year, e.g. 2026.
    pub year: i32,
    /// 1..=12
    pub month: u8,
    /// 1..=31
    pub day: u8,
}

impl Date {
    /// The date `days` days after 1970-01-01 (before it when negative).
    ///
    /// ```
    /// use stint_plugin::Date;
    /// assert_eq!(Date::from_days_since_epoch(0), Date { year: 1970, month: 1, day: 1 });
    /// assert_eq!(Date::from_days_since_epoch(20_790), Date { year: 2026, month: 12, day: 3 });
    /// assert_eq!(Date::from_days_since_epoch(-1), Date { year: 1969, month: 12, day: 31 });
    /// ```
    pub fn from_days_since_epoch(days: i32) -> Date {
        // Howard Hinnant's `civil_from_days`, in 400-year eras from 0000-03-01.
        let z = i64::from(days) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// The weekday of the date `days` days after 1970-01-01 (a Thursday).
    ///
    /// ```
    /// use stint_plugin::Weekday;
    /// assert_eq!(Weekday::of_days_since_epoch(0), Weekday::Thursday);
    /// assert_eq!(Weekday::of_days_since_epoch(20_790), Weekday::Thursday); // 2026-12-03
    /// assert_eq!(Weekday::of_days_since_epoch(-4), Weekday::Sunday);
    /// ```
    pub fn of_days_since_epoch(days: i32) -> Weekday {
        const FROM_THURSDAY: [Weekday; 7] = [
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
        ];
        FROM_THURSDAY[days.rem_euclid(7) as usize]
    }

    /// Whether the day is Saturday or Sunday.
    pub fn is_weekend(self) -> bool {
        matches!(self, Weekday::Saturday | Weekday::Sunday)
    }
}

/// Severity of a log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Very detailed tracing.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected that the plugin handled.
    Warn,
    /// Something failed.
    Error,
}

/// What the invoice is for.
///
/// Money is in integer minor units of the invoice currency; rates are minor units per hour;
/// tax rates are basis points (1 % = 100).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceContext {
    /// The organization.
    pub org_id: String,
    /// The invoice being computed.
    pub invoice_id: String,
    /// The billed client.
    pub client_id: String,
    /// The billed client's name.
    pub client_name: String,
    /// ISO 4217 code, e.g. "EUR".
    pub currency: String,
    /// The client's default tax rate in basis points.
    pub tax_rate_bp: u32,
    /// First day of the billed period (inclusive), in the organization's time zone.
    pub period_from: Date,
    /// Last day of the billed period (inclusive).
    pub period_to: Date,
    /// The organization's IANA time zone, e.g. "Europe/Berlin".
    pub time_zone: String,
    /// The plugin's configuration for this organization: a JSON object ("{}" when none is set).
    pub config: String,
}

/// A person, project or task that time entries refer to by position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Named {
    /// Its id.
    pub id: String,
    /// Its name (a task's title).
    pub name: String,
}

/// One billable, stopped time entry with its rates resolved by the host. Its person, project,
/// task and description are positions in the tables of its [`BillableTime`]; look them up with
/// [`BillableTime::person`] and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeEntry {
    /// Position in [`BillableTime::people`].
    pub person: u32,
    /// Position in [`BillableTime::projects`].
    pub project: Option<u32>,
    /// Position in [`BillableTime::tasks`].
    pub task: Option<u32>,
    /// Position in [`BillableTime::descriptions`].
    pub description: Option<u32>,
    /// When it started.
    pub started_at: Timestamp,
    /// Its duration in seconds.
    pub duration_secs: i64,
    /// The date the entry started on, in the organization's time zone.
    pub local_date: Date,
    /// The weekday of `local_date`.
    pub local_weekday: Weekday,
    /// Billed rate, minor units per hour.
    pub client_rate: i64,
    /// Cost rate, minor units per hour.
    pub worker_rate: i64,
}

/// The time to bill: each person, project, task and description once, and the entries naming
/// them by position, ordered by start (then by the host's id). An entry is itself named by its
/// position in [`BillableTime::entries`]: that is what [`LineItem::entries`] lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BillableTime {
    /// The people whose time is billed.
    pub people: Vec<Named>,
    /// The projects.
    pub projects: Vec<Named>,
    /// The tasks.
    pub tasks: Vec<Named>,
    /// Distinct descriptions.
    pub descriptions: Vec<String>,
    /// The entries.
    pub entries: Vec<TimeEntry>,
}

impl BillableTime {
    /// Who tracked `e`.
    ///
    /// # Panics
    /// When `e` is not from this `BillableTime` (the host's are always in range).
    pub fn person(&self, e: &TimeEntry) -> &Named {
        &self.people[e.person as usize]
    }

    /// `e`'s project, if any.
    pub fn project(&self, e: &TimeEntry) -> Option<&Named> {
        e.project.map(|at| &self.projects[at as usize])
    }

    /// `e`'s task, if any.
    pub fn task(&self, e: &TimeEntry) -> Option<&Named> {
        e.task.map(|at| &self.tasks[at as usize])
    }

    /// `e`'s description, if any.
    pub fn description(&self, e: &TimeEntry) -> Option<&str> {
        e.description
            .map(|at| self.descriptions[at as usize].as_str())
    }

    /// The entries with their positions, for [`LineItem::entries`].
    pub fn positioned(&self) -> impl Iterator<Item = (u32, &TimeEntry)> {
        self.entries.iter().enumerate().map(|(i, e)| (i as u32, e))
    }
}

/// A time entry with its names spelled out, for building a [`BillableTime`] in tests:
/// `entries.into_iter().collect::<BillableTime>()` interns the names and keeps the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEntry {
    /// Who tracked it: (id, name).
    pub person: (String, String),
    /// The project: (id, name).
    pub project: Option<(String, String)>,
    /// The task: (id, title).
    pub task: Option<(String, String)>,
    /// The description.
    pub description: Option<String>,
    /// When it started.
    pub started_at: Timestamp,
    /// Its duration in seconds.
    pub duration_secs: i64,
    /// The local date it started on.
    pub local_date: Date,
    /// The weekday of `local_date`.
    pub local_weekday: Weekday,
    /// Billed rate, minor units per hour.
    pub client_rate: i64,
    /// Cost rate, minor units per hour.
    pub worker_rate: i64,
}

impl FromIterator<NamedEntry> for BillableTime {
    fn from_iter<I: IntoIterator<Item = NamedEntry>>(iter: I) -> Self {
        fn intern(table: &mut Vec<Named>, (id, name): (String, String)) -> u32 {
            match table.iter().position(|n| n.id == id) {
                Some(at) => at as u32,
                None => {
                    table.push(Named { id, name });
                    table.len() as u32 - 1
                }
            }
        }
        let mut time = BillableTime::default();
        for e in iter {
            let description =
                e.description
                    .map(|d| match time.descriptions.iter().position(|x| *x == d) {
                        Some(at) => at as u32,
                        None => {
                            time.descriptions.push(d);
                            time.descriptions.len() as u32 - 1
                        }
                    });
            let entry = TimeEntry {
                person: intern(&mut time.people, e.person),
                project: e.project.map(|p| intern(&mut time.projects, p)),
                task: e.task.map(|t| intern(&mut time.tasks, t)),
                description,
                started_at: e.started_at,
                duration_secs: e.duration_secs,
                local_date: e.local_date,
                local_weekday: e.local_weekday,
                client_rate: e.client_rate,
                worker_rate: e.worker_rate,
            };
            time.entries.push(entry);
        }
        time
    }
}

/// An invoice line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// What the line bills.
    pub description: String,
    /// Quantity in thousandths (1500 = 1.5), e.g. hours for time lines.
    pub quantity_milli: i64,
    /// Price of one unit, minor units.
    pub unit_price: i64,
    /// The line's amount, minor units.
    pub amount: i64,
    /// The time entries this line bills, as positions in [`BillableTime::entries`] (each entry
    /// on at most one line; entries on no line stay uninvoiced).
    pub entries: Vec<u32>,
}

/// One tax applied to the invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxLine {
    /// E.g. "VAT 19 %".
    pub description: String,
    /// Rate in basis points.
    pub rate_bp: u32,
    /// The amount the rate applies to.
    pub base: i64,
    /// The tax amount.
    pub amount: i64,
}

/// The computed invoice. The host checks: `subtotal` = sum of line amounts − `discount`,
/// `tax` = sum of tax amounts, `total` = `subtotal` + `tax`, and no entry twice or out of range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceResult {
    /// The lines.
    pub lines: Vec<LineItem>,
    /// Discount subtracted from the sum of the lines.
    pub discount: i64,
    /// Sum of line amounts − discount.
    pub subtotal: i64,
    /// The taxes.
    pub taxes: Vec<TaxLine>,
    /// Sum of tax amounts.
    pub tax: i64,
    /// `subtotal` + `tax`.
    pub total: i64,
}

/// An event of an organization's stream, as a `webhook` plugin receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The stream's event id: increasing, unique in the deployment.
    pub id: u64,
    /// `EntityChanged`, `ChatMessage`, `NotificationCreated`, …
    pub kind: String,
    /// For `EntityChanged`: the entity type, e.g. `task`.
    pub entity_type: Option<String>,
    /// For `EntityChanged`: `created`, `updated` or `deleted`.
    pub action: Option<String>,
    /// The organization.
    pub organization_id: String,
    /// Who caused it, when a user did.
    pub user_id: Option<String>,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// The event as JSON, as WebSocket clients receive it.
    pub payload: String,
}

/// The subscription an event is delivered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSubscription {
    /// `whk_…`
    pub id: String,
    /// The target URL the operator configured.
    pub url: String,
    /// The plugin's configuration for the organization: a JSON object (`{}` when none is set).
    pub config: String,
}

/// HTTP methods a webhook request may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpMethod {
    /// `POST`
    #[default]
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
}

/// A request for the host to send.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookRequest {
    /// The method.
    pub method: HttpMethod,
    /// `None`: the subscription's URL; otherwise an `http`/`https` URL whose host the manifest's
    /// `allowed_hosts` lists.
    pub url: Option<String>,
    /// Extra headers (the host adds the signature, idempotency and content-length headers).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl WebhookRequest {
    /// A `POST` of `body` as `application/json` to the subscription's URL.
    pub fn json(body: impl Into<Vec<u8>>) -> WebhookRequest {
        WebhookRequest {
            method: HttpMethod::Post,
            url: None,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }
}
