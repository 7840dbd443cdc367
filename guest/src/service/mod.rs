//! The three tools, written against two seams: `Host` (what the embedding
//! host offers: the connection, progress, logs, clock and entropy) and
//! `Transport` (HTTP). The component plugs in the WIT imports and
//! wasi-http; native tests plug in fakes.

pub mod census;
pub mod clean;
pub mod counts;
pub mod files;
pub mod foreign_keys;
pub mod generate;
pub mod removal;
pub mod report;
pub mod rounds;
pub mod runs;
pub mod status;
pub mod survey;
pub mod writer;

use std::collections::HashMap;

use crate::core::keys::KeyKind;
use crate::core::time::Seconds;
use crate::error::{Result, ToolError};
use crate::model::plan::{ColumnPlan, LiveColumn};
use crate::model::table::{FieldKind, TableSpec};
use crate::platforms::{self, Platform};
use crate::supabase::client::Client;
use crate::supabase::transport::Transport;

/// Where a call writes, as the host resolved it. Carries no credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub environment: String,
    pub rest_url: String,
    pub workspace_id: String,
    pub production: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

pub trait Host {
    /// The connection for `environment` (the host's default when None).
    fn connection(&mut self, environment: Option<&str>) -> Result<Connection>;
    fn progress(&mut self, table: &str, done: u64, total: u64);
    fn log(&mut self, level: LogLevel, message: &str);
    /// Wall-clock time (seconds since the epoch).
    fn now(&mut self) -> Seconds;
    /// Milliseconds on a monotonic clock, for execution times.
    fn millis(&mut self) -> u64;
    /// A seed for a run that was not given one.
    fn fresh_seed(&mut self) -> u64;
    /// Appends `data` to output file `file` (a bare name the host places in
    /// the output directory it was given), for files without a database.
    fn write_output(&mut self, file: &str, data: &[u8]) -> Result<()>;
    /// Appends a batch of rows (a JSON array of objects) to SQL file `file`:
    /// the host writes the statements.
    fn write_sql_rows(&mut self, file: &str, rows: &[u8]) -> Result<()>;
}

/// The platforms a name covers, or an error listing the valid names.
pub fn platforms_for(name: &str) -> Result<Vec<&'static dyn Platform>> {
    platforms::select(name).ok_or_else(|| {
        ToolError::invalid(format!(
            "unknown platform '{}': choose one of {}, a comma-separated list of them, or all",
            name.trim(),
            platforms::names().join(", ")
        ))
    })
}

/// Refuses writes to a production environment without its confirmation.
pub fn check_production(conn: &Connection, writes: bool, confirmed: bool, what: &str) -> Result<()> {
    if conn.production && writes && !confirmed {
        return Err(ToolError::invalid(format!(
            "environment '{}' is production: {what} there needs an explicit confirmation (--confirm-production, or confirm_production: true); nothing was changed",
            conn.environment
        )));
    }
    Ok(())
}

/// What plans are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Generating: every table present must be writable. A missing table is
    /// skipped with the tables that reference it, unless `strict` (`all`),
    /// where it stops the run before anything is written.
    Write { strict: bool },
    /// Status and clean: only workspace and key columns matter; a table
    /// without them is left out with a warning and the rest goes on.
    Read,
    /// Reports: every column the fields name, whatever could be written;
    /// a table without workspace and key columns is left out with a warning.
    Report,
}

/// Every table of `platforms` with its column plan, parents first.
pub fn read_plans<T: Transport>(
    client: &mut Client<T>,
    platforms: &[&'static dyn Platform],
    purpose: Purpose,
    warnings: &mut Vec<String>,
) -> Result<HashMap<&'static str, ColumnPlan>> {
    // Every table's live schema at once: one round trip, not one a table.
    let specs: Vec<&'static TableSpec> = platforms.iter().flat_map(|p| p.tables().iter().copied()).collect();
    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
    let columns = client.tables_columns(&names)?;
    plans_from_columns(client, platforms, purpose, columns, warnings)
}

/// `read_plans` from live columns already read, one list per table of
/// `platforms` in order.
pub fn plans_from_columns<T: Transport>(
    client: &mut Client<T>,
    platforms: &[&'static dyn Platform],
    purpose: Purpose,
    columns: Vec<Vec<LiveColumn>>,
    warnings: &mut Vec<String>,
) -> Result<HashMap<&'static str, ColumnPlan>> {
    let mut kinds: HashMap<&'static str, KeyKind> = HashMap::new();
    let mut plans = HashMap::new();
    let mut skipped: Vec<&'static str> = Vec::new();
    let mut all_columns = columns.into_iter();
    for platform in platforms {
        for spec in platform.tables() {
            let columns = all_columns.next().unwrap_or_default();
            if let Purpose::Write { strict: false } = purpose {
                let missing_parent = spec.fields.iter().find_map(|f| match f.kind {
                    FieldKind::Ref { owner } if skipped.contains(&owner) && columns.iter().any(|c| f.answers_to(&c.name)) => Some(owner),
                    _ => None,
                });
                if columns.is_empty() || missing_parent.is_some() {
                    let why = match missing_parent {
                        Some(owner) => format!("it references semantic.{owner}, which is skipped"),
                        None => "it does not exist (or the service role cannot see it)".into(),
                    };
                    warnings.push(format!("skipped {}: {why}; the other tables were generated", spec.qualified()));
                    skipped.push(spec.name);
                    continue;
                }
            }
            let plan = match purpose {
                Purpose::Write { .. } => ColumnPlan::new(spec, &columns, &kinds),
                Purpose::Read => ColumnPlan::for_reading(spec, &columns, &kinds),
                Purpose::Report => ColumnPlan::new(spec, &readable(spec, &columns), &kinds),
            };
            match plan {
                Ok(plan) => {
                    kinds.insert(spec.name, plan.marker_kind);
                    client.set_conflict_target(spec.name, &crate::model::unique::conflict_columns(&plan));
                    plans.insert(spec.name, plan);
                }
                Err(e) if matches!(purpose, Purpose::Write { .. }) => return Err(e),
                Err(e) => warnings.push(format!("skipped {}: {}", spec.qualified(), e.message)),
            }
        }
    }
    if plans.is_empty() && purpose != Purpose::Read {
        return Err(ToolError::schema(format!(
            "none of the tables exists: {}; create them (scripts/warehouse/10-tables.sql has the layout the tool expects) or check that the service role can read schema semantic",
            skipped.iter().map(|t| format!("semantic.{t}")).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(plans)
}

/// The live columns a field answers to with a type it can hold, as if
/// nullable: a plan of them maps every readable field and never refuses a
/// table for what it could not write.
fn readable(spec: &TableSpec, live: &[LiveColumn]) -> Vec<LiveColumn> {
    live.iter()
        .filter(|c| spec.fields.iter().any(|f| f.answers_to(&c.name) && f.kind.accepts(&c.data_type)))
        .map(|c| LiveColumn { nullable: true, ..c.clone() })
        .collect()
}

/// What a table holds, in words: `dm_order_items_shopify` is "order items".
pub fn label(spec: &TableSpec) -> String {
    let mut name = spec.name.trim_start_matches("dm_").to_string();
    for part in ["shopify_", "_shopify", "_bigcommerce", "_woocommerce", "_magento", "_google", "ads_"] {
        name = name.replace(part, "");
    }
    name.replace('_', " ")
}

pub use crate::core::strategy::thousands;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_numbers_read_well() {
        let t = crate::platforms::shopify::SHOPIFY.tables();
        let labels: Vec<String> = t.iter().map(|s| label(s)).collect();
        assert_eq!(labels, ["shop info", "products", "variants", "customers", "orders", "order items", "pixel events"]);
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }

    #[test]
    fn a_semicolon_in_a_literal_stays_out_of_the_query_text() {
        use crate::platforms::store::analysis::literal;
        assert_eq!(literal("ws;1"), "('ws' || chr(59) || '1')");
        assert_eq!(literal("o'b;"), "('o''b' || chr(59) || '')");
        assert_eq!(literal("plain"), "'plain'");
    }

    #[test]
    fn unknown_platforms_list_the_valid_ones() {
        let e = platforms_for("shopfy").err().unwrap();
        assert!(e.message.contains("unknown platform 'shopfy'") && e.message.contains("shopify"), "{}", e.message);
        assert!(platforms_for("ALL").is_ok());
        assert!(platforms_for("google_ads").is_ok() || platforms::find("google-ads").is_none());
    }
}
