//! The three tools, written against two seams: `Host` (what the embedding
//! host offers: the connection, progress, logs, clock and entropy) and
//! `Transport` (HTTP). The component plugs in the WIT imports and
//! wasi-http; native tests plug in fakes.

pub mod clean;
pub mod generate;
pub mod runs;
pub mod status;

use std::collections::HashMap;

use crate::core::keys::KeyKind;
use crate::core::time::Seconds;
use crate::error::{Result, ToolError};
use crate::model::plan::ColumnPlan;
use crate::model::table::TableSpec;
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
    /// Generating: every table must be writable, or nothing is written.
    Write,
    /// Status and clean: only workspace and key columns matter; a table
    /// without them is left out with a warning and the rest goes on.
    Read,
}

/// Every table of `platforms` with its column plan, parents first.
pub fn read_plans<T: Transport>(
    client: &mut Client<T>,
    platforms: &[&'static dyn Platform],
    purpose: Purpose,
    warnings: &mut Vec<String>,
) -> Result<HashMap<&'static str, ColumnPlan>> {
    let mut kinds: HashMap<&'static str, KeyKind> = HashMap::new();
    let mut plans = HashMap::new();
    for platform in platforms {
        for spec in platform.tables() {
            let columns = client.table_columns(spec.name)?;
            let plan = match purpose {
                Purpose::Write => ColumnPlan::new(spec, &columns, &kinds),
                Purpose::Read => ColumnPlan::for_reading(spec, &columns, &kinds),
            };
            match plan {
                Ok(plan) => {
                    kinds.insert(spec.name, plan.marker_kind);
                    client.set_conflict_target(spec.name, &crate::model::unique::conflict_columns(&plan));
                    plans.insert(spec.name, plan);
                }
                Err(e) if purpose == Purpose::Write => return Err(e),
                Err(e) => warnings.push(format!("skipped {}: {}", spec.qualified(), e.message)),
            }
        }
    }
    Ok(plans)
}

/// What a table holds, in words: `dm_order_items_shopify` is "order items".
pub fn label(spec: &TableSpec) -> String {
    let mut name = spec.name.trim_start_matches("dm_").to_string();
    for part in ["shopify_", "_shopify", "_bigcommerce", "_woocommerce", "_magento", "_google", "ads_"] {
        name = name.replace(part, "");
    }
    name.replace('_', " ")
}

/// 12345 as "12,345".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

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
