//! `plugin.yaml`: what a plugin is, which contract it implements and what it may use.
//!
//! ```yaml
//! name: weekend-surcharge            # slug: a-z, 0-9 and '-', 2..=64 characters
//! version: 1.2.0                     # semver
//! kind: invoicing-rule               # invoicing-rule | recurrence | report
//! world: stint:plugins/invoicing-rule@0.3.0   # or @0.2.x/@0.1.x, built with an older SDK
//! component: weekend_surcharge.wasm  # file name next to plugin.yaml
//! description: Weekend work costs 50 % more   # optional
//! limits:                            # optional, each field too
//!   deadline_ms: 500                 # 1..=10000, default 1000
//!   memory_mb: 32                    # 1..=256, default 64
//! capabilities: [log]                # optional; `log`; report may add `report-data`
//! allowed_hosts: [hooks.example.com] # webhook kind only: hosts its own request URLs may target
//! config_schema:                     # optional JSON Schema for the per-organization config
//!   type: object
//!   properties:
//!     surcharge_percent: { type: integer, minimum: 0, maximum: 500 }
//! ```
//!
//! Parsing is strict (unknown fields are refused) and bounded (a YAML budget against alias
//! bombs and deep nesting; the file itself is capped at [`MAX_MANIFEST_BYTES`]). Every error
//! names the field and says what is wrong.

use schemars::JsonSchema;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::runtime::{Limits, PluginKind};

/// Largest accepted `plugin.yaml`.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;
/// The WIT package plugins are built against (`wit/`).
pub const WIT_PACKAGE: &str = "stint:plugins";
/// The version of [`WIT_PACKAGE`] this host implements. Plugins built against any `0.3.x`
/// work, and so do plugins built against an older minor that already had their kind (`0.2.x`
/// for every kind, `0.1.x` for invoicing rules and recurrence; [`PluginKind::since`],
/// `wit/README.md`).
pub const WIT_VERSION: semver::Version = semver::Version::new(0, 3, 0);
/// Deadline range in milliseconds.
pub const DEADLINE_MS: std::ops::RangeInclusive<u64> = 1..=10_000;
/// Default deadline in milliseconds.
pub const DEFAULT_DEADLINE_MS: u64 = 1_000;
/// Memory cap range in MiB.
pub const MEMORY_MB: std::ops::RangeInclusive<u64> = 1..=256;
/// Default memory cap in MiB.
pub const DEFAULT_MEMORY_MB: u64 = 64;
/// Capabilities a rule plugin (`invoicing-rule`, `recurrence`) or a webhook formatter may ask
/// for (a webhook plugin's reach is its manifest's `allowed_hosts`, and the host sends).
pub const RULE_CAPABILITIES: &[&str] = &["log"];
/// Capabilities a `report` plugin may ask for: `report-data` documents that it reads the
/// organization's data the host lends (always scoped to the caller's organization and rights).
pub const REPORT_CAPABILITIES: &[&str] = &["log", "report-data"];

/// The capabilities a kind may ask for.
pub fn capabilities_of(kind: PluginKind) -> &'static [&'static str] {
    match kind {
        PluginKind::InvoicingRule | PluginKind::Recurrence | PluginKind::Webhook => {
            RULE_CAPABILITIES
        }
        PluginKind::Report => REPORT_CAPABILITIES,
    }
}

/// A parsed, checked manifest. Serialized (as JSON) into the plugin's database row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Slug.
    pub name: String,
    /// Semantic version.
    pub version: semver::Version,
    /// The contract it implements.
    pub kind: PluginKind,
    /// The WIT world, `stint:plugins/<kind>@<version>`.
    pub world: String,
    /// Component file name.
    pub component: String,
    /// One line for operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Per-call limits.
    pub limits: ManifestLimits,
    /// Host capabilities asked for.
    pub capabilities: Vec<String>,
    /// JSON Schema of the per-organization configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_schema: Option<Value>,
    /// `webhook` kind only: hosts the plugin's own request URLs may target besides the
    /// subscription URL's host (exact names, or `*.example.com` for its subdomains).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_hosts: Vec<String>,
}

impl Manifest {
    /// The contract version of [`Manifest::world`] (`…@0.2.0` → 0.2.0); checked at parse.
    pub fn world_version(&self) -> Option<semver::Version> {
        let (_, version) = self.world.split_once('@')?;
        semver::Version::parse(version).ok()
    }
}

/// Limits as written in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestLimits {
    /// Wall-clock deadline per call, milliseconds.
    pub deadline_ms: u64,
    /// Linear-memory cap per call, MiB.
    pub memory_mb: u64,
}

impl Default for ManifestLimits {
    fn default() -> Self {
        ManifestLimits {
            deadline_ms: DEFAULT_DEADLINE_MS,
            memory_mb: DEFAULT_MEMORY_MB,
        }
    }
}

impl ManifestLimits {
    /// The runtime's form.
    pub fn to_runtime(self) -> Limits {
        Limits {
            deadline: Duration::from_millis(self.deadline_ms),
            memory_bytes: self.memory_mb * 1024 * 1024,
        }
    }

    /// Checks both fields against their ranges.
    pub fn check(self) -> Result<Self, ManifestError> {
        if !DEADLINE_MS.contains(&self.deadline_ms) {
            return Err(ManifestError::new(
                "limits.deadline_ms",
                format!(
                    "must be between {} and {} milliseconds, got {}",
                    DEADLINE_MS.start(),
                    DEADLINE_MS.end(),
                    self.deadline_ms
                ),
            ));
        }
        if !MEMORY_MB.contains(&self.memory_mb) {
            return Err(ManifestError::new(
                "limits.memory_mb",
                format!(
                    "must be between {} and {} MiB, got {}",
                    MEMORY_MB.start(),
                    MEMORY_MB.end(),
                    self.memory_mb
                ),
            ));
        }
        Ok(self)
    }
}

/// What is wrong with a manifest, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plugin.yaml: {field}: {message}")]
pub struct ManifestError {
    /// The field (`limits.deadline_ms`), or `plugin.yaml` for the file as a whole.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl ManifestError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        ManifestError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl From<ManifestError> for crate::error::Error {
    fn from(e: ManifestError) -> Self {
        crate::error::Error::Validation {
            message: e.to_string(),
            details: Some(serde_json::json!({ "field": format!("manifest.{}", e.field) })),
        }
    }
}

/// The file as written; everything optional so that a missing field gets our own message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    world: Option<String>,
    component: Option<String>,
    description: Option<String>,
    limits: Option<RawLimits>,
    capabilities: Option<Vec<String>>,
    config_schema: Option<Value>,
    allowed_hosts: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    deadline_ms: Option<u64>,
    memory_mb: Option<u64>,
}

fn kind_name(kind: PluginKind) -> &'static str {
    kind.as_str()
}

/// Parses a kind name (`invoicing-rule`, `recurrence`); the reserved kinds of the next version
/// and unknown names are refused with a message saying which are supported.
pub fn parse_kind(field: &str, s: &str) -> Result<PluginKind, ManifestError> {
    match s {
        "invoicing-rule" => Ok(PluginKind::InvoicingRule),
        "recurrence" => Ok(PluginKind::Recurrence),
        "report" => Ok(PluginKind::Report),
        "webhook" => Ok(PluginKind::Webhook),
        other => Err(ManifestError::new(
            field,
            format!(
                "unknown kind `{other}` (supported: invoicing-rule, recurrence, report, webhook)"
            ),
        )),
    }
}

/// The wire name of a kind.
pub fn kind_str(kind: PluginKind) -> &'static str {
    kind_name(kind)
}

/// Whether `name` is a valid plugin slug.
pub fn is_slug(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// Parses and checks `plugin.yaml`.
pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::new(
            "plugin.yaml",
            format!("the manifest is larger than {MAX_MANIFEST_BYTES} bytes"),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ManifestError::new("plugin.yaml", "the manifest is not UTF-8 text"))?;
    let budget = serde_saphyr::budget! {
        max_depth: 32,
        max_nodes: 10_000,
        max_aliases: 100,
        max_anchors: 100,
        max_events: 50_000,
        max_documents: 1,
        max_total_scalar_bytes: MAX_MANIFEST_BYTES,
    };
    let options = serde_saphyr::options! { budget: budget };
    let raw: Raw = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let message = e.to_string();
        let field = field_of(&message).unwrap_or_else(|| "plugin.yaml".to_owned());
        ManifestError::new(&field, first_line(&message))
    })?;
    check(raw)
}

/// The field named by a serde error such as "unknown field `foo`, expected one of …".
fn field_of(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    Some(rest.split('`').next()?.to_owned())
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

fn required(value: Option<String>, field: &str) -> Result<String, ManifestError> {
    match value.map(|v| v.trim().to_owned()) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(ManifestError::new(field, "is required")),
    }
}

fn check(raw: Raw) -> Result<Manifest, ManifestError> {
    let name = required(raw.name, "name")?;
    if !is_slug(&name) {
        return Err(ManifestError::new(
            "name",
            format!(
                "`{name}` is not a slug: use 2 to 64 characters a-z, 0-9 and single '-' inside"
            ),
        ));
    }
    let version_text = required(raw.version, "version")?;
    let version = semver::Version::parse(&version_text).map_err(|e| {
        ManifestError::new(
            "version",
            format!("`{version_text}` is not a semantic version (like 1.2.0): {e}"),
        )
    })?;
    let kind = parse_kind("kind", &required(raw.kind, "kind")?)?;
    let world = required(raw.world, "world")?;
    check_world(&world, kind)?;
    let component = required(raw.component, "component")?;
    if component.contains(['/', '\\'])
        || component.starts_with('.')
        || !component.ends_with(".wasm")
    {
        return Err(ManifestError::new(
            "component",
            format!("`{component}` must be a plain file name ending in .wasm, next to plugin.yaml"),
        ));
    }
    let description = raw
        .description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 500)
    {
        return Err(ManifestError::new(
            "description",
            "must be at most 500 characters",
        ));
    }
    let defaults = ManifestLimits::default();
    let limits = match raw.limits {
        None => defaults,
        Some(l) => ManifestLimits {
            deadline_ms: l.deadline_ms.unwrap_or(defaults.deadline_ms),
            memory_mb: l.memory_mb.unwrap_or(defaults.memory_mb),
        },
    }
    .check()?;
    let capabilities = raw.capabilities.unwrap_or_default();
    for (i, cap) in capabilities.iter().enumerate() {
        if !capabilities_of(kind).contains(&cap.as_str()) {
            let hint = match cap.as_str() {
                "http" | "network" | "sockets" | "filesystem" | "files" | "env" | "clock"
                | "random" => {
                    " (rule plugins run without files, network, environment, clocks or randomness)"
                }
                _ => "",
            };
            return Err(ManifestError::new(
                &format!("capabilities[{i}]"),
                format!(
                    "capability `{cap}` is not allowed for kind {} (allowed: {}){hint}",
                    kind_name(kind),
                    capabilities_of(kind).join(", ")
                ),
            ));
        }
    }
    if let Some(schema) = &raw.config_schema {
        check_schema(schema)?;
    }
    let allowed_hosts = raw.allowed_hosts.unwrap_or_default();
    if !allowed_hosts.is_empty() && kind != PluginKind::Webhook {
        return Err(ManifestError::new(
            "allowed_hosts",
            format!(
                "only webhook plugins send requests (kind is {})",
                kind_name(kind)
            ),
        ));
    }
    if allowed_hosts.len() > 32 {
        return Err(ManifestError::new("allowed_hosts", "at most 32 hosts"));
    }
    for (i, host) in allowed_hosts.iter().enumerate() {
        if !is_host_pattern(host) {
            return Err(ManifestError::new(
                &format!("allowed_hosts[{i}]"),
                format!(
                    "`{host}` is not a host name (lowercase, like hooks.example.com or \
                     *.example.com; no scheme, port or path)"
                ),
            ));
        }
    }
    Ok(Manifest {
        name,
        version,
        kind,
        world,
        component,
        description,
        limits,
        capabilities,
        config_schema: raw.config_schema,
        allowed_hosts,
    })
}

impl Manifest {
    /// The `allowed_hosts` of a manifest stored as JSON (empty when unreadable).
    pub fn allowed_hosts_of(stored: &str) -> Vec<String> {
        serde_json::from_str::<Manifest>(stored)
            .map(|m| m.allowed_hosts)
            .unwrap_or_default()
    }
}

/// `hooks.example.com`, `*.example.com` or an IP literal: lowercase DNS labels, no scheme,
/// port or path.
fn is_host_pattern(host: &str) -> bool {
    let name = host.strip_prefix("*.").unwrap_or(host);
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Whether `host` (a URL's host, lowercase) matches one of `patterns` (see
/// [`Manifest::allowed_hosts`]).
pub fn host_allowed(patterns: &[String], host: &str) -> bool {
    patterns.iter().any(|p| match p.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
        None => p == host,
    })
}

/// `stint:plugins/<kind>@<version>`, with the kind matching `kind` and a version this host
/// implements (same major, and for 0.x the same minor; not newer than ours).
fn check_world(world: &str, kind: PluginKind) -> Result<(), ManifestError> {
    let expected = format!("{WIT_PACKAGE}/{}@{WIT_VERSION}", kind_name(kind));
    let bad = |why: String| ManifestError::new("world", format!("{why} (expected `{expected}`)"));
    let (path, version) = world
        .split_once('@')
        .ok_or_else(|| bad(format!("`{world}` has no @version")))?;
    let (package, world_name) = path.rsplit_once('/').ok_or_else(|| {
        bad(format!(
            "`{world}` is not of the form package/world@version"
        ))
    })?;
    if package != WIT_PACKAGE {
        return Err(bad(format!("unknown WIT package `{package}`")));
    }
    if world_name != kind_name(kind) {
        return Err(bad(format!(
            "world `{world_name}` does not match kind {}",
            kind_name(kind)
        )));
    }
    let v = semver::Version::parse(version)
        .map_err(|e| bad(format!("`{version}` is not a semantic version: {e}")))?;
    if !supports(kind, &v) {
        let since = kind.since();
        return Err(bad(format!(
            "WIT version {v} is not supported by this server, which implements \
             {WIT_PACKAGE}@{WIT_VERSION} and runs `{kind}` plugins built against 0.{}.x to 0.{}.x",
            since.minor, WIT_VERSION.minor
        )));
    }
    Ok(())
}

/// Whether this server runs a `kind` plugin built against WIT version `v`: before 1.0 each
/// minor is its own contract, so `v` must be `0.m.x` with `m` between the minor that introduced
/// the kind and [`WIT_VERSION`]'s, and no pre-release.
pub fn supports(kind: PluginKind, v: &semver::Version) -> bool {
    v.major == 0 && v.pre.is_empty() && (kind.since().minor..=WIT_VERSION.minor).contains(&v.minor)
}

fn check_schema(schema: &Value) -> Result<(), ManifestError> {
    if !schema.is_object() {
        return Err(ManifestError::new(
            "config_schema",
            "must be a JSON Schema object",
        ));
    }
    jsonschema::meta::validate(schema).map_err(|e| {
        ManifestError::new("config_schema", format!("is not a valid JSON Schema: {e}"))
    })?;
    // Compiling resolves references; without the network and file features, any `$ref` outside
    // the schema itself fails here rather than at the first configuration.
    jsonschema::validator_for(schema)
        .map_err(|e| ManifestError::new("config_schema", format!("cannot be used: {e}")))?;
    Ok(())
}

/// Validates an organization's configuration against the manifest's schema (an object is
/// required; without a schema any object is accepted).
pub fn validate_config(manifest: &Manifest, config: &Value) -> crate::error::Result<()> {
    if !config.is_object() {
        return Err(crate::error::Error::invalid_field(
            "config",
            "config must be a JSON object",
        ));
    }
    let Some(schema) = &manifest.config_schema else {
        return Ok(());
    };
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        crate::error::Error::Internal(anyhow::anyhow!("stored schema does not compile: {e}"))
    })?;
    let problems: Vec<String> = validator
        .iter_errors(config)
        .take(10)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("{at}: {e}")
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(crate::error::Error::Unprocessable {
            message: format!(
                "config does not match the plugin's config_schema: {}",
                problems.join("; ")
            ),
            details: Some(serde_json::json!({ "field": "config", "problems": problems })),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "name: weekend-surcharge
version: 1.2.0
kind: invoicing-rule
world: stint:plugins/invoicing-rule@0.3.0
component: weekend_surcharge.wasm
limits:
  deadline_ms: 500
capabilities: [log]
config_schema:
  type: object
  properties:
    surcharge_percent: { type: integer, minimum: 0, maximum: 500 }
  additionalProperties: false
";

    fn err(yaml: &str) -> ManifestError {
        parse(yaml.as_bytes()).unwrap_err()
    }

    #[test]
    fn good_manifest_parses_with_defaults() {
        let m = parse(GOOD.as_bytes()).unwrap();
        assert_eq!(m.name, "weekend-surcharge");
        assert_eq!(m.version, semver::Version::new(1, 2, 0));
        assert_eq!(m.kind, PluginKind::InvoicingRule);
        assert_eq!(m.limits.deadline_ms, 500);
        assert_eq!(m.limits.memory_mb, DEFAULT_MEMORY_MB);
        let ok = serde_json::json!({"surcharge_percent": 50});
        validate_config(&m, &ok).unwrap();
        let bad = serde_json::json!({"surcharge_percent": 900});
        let e = validate_config(&m, &bad).unwrap_err();
        assert!(e.to_string().contains("surcharge_percent"), "{e}");
        // The JSON form round-trips (it is what the database keeps).
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), m);
    }

    #[test]
    fn errors_name_the_field() {
        let e = err(&GOOD.replace("limits:", "limitz:"));
        assert_eq!(e.field, "limitz", "{e}");
        let e = err(&GOOD.replace("kind: invoicing-rule", "kind: webhook"));
        assert_eq!(e.field, "world");
        assert!(e.message.contains("does not match kind webhook"), "{e}");
        let e = err(&GOOD.replace("kind: invoicing-rule", "kind: teapot"));
        assert!(e.message.contains("unknown kind"), "{e}");
        let e = err(&GOOD.replace("@0.3.0", "@0.4.0"));
        assert_eq!(e.field, "world");
        assert!(e.message.contains("not supported"), "{e}");
        assert!(parse(GOOD.replace("@0.3.0", "@0.3.7").as_bytes()).is_ok());
        // Older minors that had the kind still work.
        assert!(parse(GOOD.replace("@0.3.0", "@0.2.1").as_bytes()).is_ok());
        assert!(parse(GOOD.replace("@0.3.0", "@0.1.3").as_bytes()).is_ok());
        let e = err(&GOOD.replace("@0.3.0", "@0.0.9"));
        assert_eq!(e.field, "world");
        let e = err(&GOOD.replace("@0.3.0", "@1.0.0"));
        assert_eq!(e.field, "world");
        let e = err(&GOOD.replace("invoicing-rule@", "recurrence@"));
        assert!(e.message.contains("does not match kind"), "{e}");
        let e = err(&GOOD.replace("deadline_ms: 500", "deadline_ms: 60000"));
        assert_eq!(e.field, "limits.deadline_ms");
        let e = err(&GOOD.replace("limits:\n  deadline_ms: 500", "limits:\n  memory_mb: 4096"));
        assert_eq!(e.field, "limits.memory_mb");
        let e = err(&GOOD.replace("[log]", "[log, http]"));
        assert_eq!(e.field, "capabilities[1]");
        let e = err(&GOOD.replace("version: 1.2.0", "version: one"));
        assert_eq!(e.field, "version");
        let e = err(&GOOD.replace("name: weekend-surcharge", "name: Weekend Surcharge"));
        assert_eq!(e.field, "name");
        let e = err(&GOOD.replace("name: weekend-surcharge\n", ""));
        assert_eq!(e.field, "name");
        assert_eq!(e.message, "is required");
        let e = err(&GOOD.replace("weekend_surcharge.wasm", "../../etc/passwd"));
        assert_eq!(e.field, "component");
        let e = err(&GOOD.replace("type: integer", "type: 17"));
        assert_eq!(e.field, "config_schema");
    }

    #[test]
    fn report_kind_needs_0_2_and_may_read_data() {
        let report = GOOD
            .replace("kind: invoicing-rule", "kind: report")
            .replace("invoicing-rule@", "report@")
            .replace("[log]", "[log, report-data]");
        assert_eq!(parse(report.as_bytes()).unwrap().kind, PluginKind::Report);
        let e = err(&report.replace("@0.3.0", "@0.1.0"));
        assert_eq!(e.field, "world");
        assert!(parse(report.replace("@0.3.0", "@0.2.0").as_bytes()).is_ok());
        let e = err(&GOOD.replace("[log]", "[report-data]"));
        assert_eq!(e.field, "capabilities[0]");
    }

    #[test]
    fn hostile_yaml_is_refused_quickly() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..20 {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!(
                "b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert!(parse(bomb.as_bytes()).is_err());
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(deep.as_bytes()).is_err());
        assert!(parse(&vec![b'a'; MAX_MANIFEST_BYTES + 1]).is_err());
        assert!(parse(b"\xff\xfe").is_err());
        assert!(parse(b"").is_err());
    }
}
