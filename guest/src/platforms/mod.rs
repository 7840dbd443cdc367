//! Platforms: each module holds one platform's tables, vocabulary, rules and
//! generator. Adding a platform is one module plus one line in `REGISTRY`.
//!
//! A run goes through three steps per platform: `analyse` reads what the
//! workspace holds (through a query function the caller provides, so this
//! stays free of I/O) and decides what to generate; `link` lets platforms
//! generated together see each other (ad clicks that lead to orders); and
//! `stream` produces each table's rows, one at a time, in dependency order.

pub mod bigcommerce;
pub mod findings;
pub mod google_ads;
pub mod link;
pub mod magento;
pub mod shopify;
pub mod store;
#[doc(hidden)]
pub mod testkit;
pub mod woocommerce;

use std::collections::HashMap;

use crate::core::keys::RunId;
use crate::core::strategy::Strategy;
use crate::core::time::Seconds;
use crate::error::Result;
use crate::model::plan::ColumnPlan;
use crate::model::row::Row;
use crate::model::table::TableSpec;

/// Runs one read-only SQL query in the workspace; returns its rows as JSON.
pub type Query<'q> = dyn FnMut(&str) -> Result<serde_json::Value> + 'q;

/// What analysis starts from.
pub struct AnalysisContext<'a> {
    pub workspace: &'a str,
    /// This platform's seed (each platform of a run draws its own streams).
    pub seed: u64,
    /// The run's seed, for what platforms of one run share (a merchant's
    /// currency and line of business).
    pub run_seed: u64,
    /// The run being generated: its own rows (from an earlier call with the
    /// same seed) do not count as what the workspace already holds.
    pub run: RunId,
    pub strategy: Strategy,
    pub forced: Option<u64>,
    /// End of the generated period.
    pub as_of: Seconds,
    /// Every table's plan (this platform's and the others').
    pub plans: &'a HashMap<&'static str, ColumnPlan>,
    /// Rows each table already holds in the workspace (all but this run's).
    pub counts: &'a HashMap<&'static str, u64>,
}

impl AnalysisContext<'_> {
    /// The table's plan; None when the table was skipped (missing).
    pub fn plan(&self, table: &TableSpec) -> Option<&ColumnPlan> {
        self.plans.get(table.name)
    }

    pub fn count(&self, table: &TableSpec) -> u64 {
        self.counts.get(table.name).copied().unwrap_or(0)
    }
}

/// Receives a table's rows as they are generated.
pub type Sink<'s> = dyn FnMut(&Row) -> Result<()> + 's;

/// Several tables' rows drafted from the same units (a store's orders: the
/// order, its line items, its pixel events), streamed round by round so that
/// each unit is drafted once. A round's units give all their rows of the
/// first table, then of the second, and so on: a row references units of
/// its own round or earlier ones only.
pub trait Rounds {
    /// Streams the next round, of up to `units` units, into `sink` as
    /// (index of the table, row); false once there was nothing left.
    fn next(&mut self, units: u64, sink: &mut dyn FnMut(usize, &Row) -> Result<()>) -> Result<bool>;
}

/// A platform's generation, decided and ready to stream.
pub trait Generation {
    /// One line on what analysis found and decided.
    fn describe(&self) -> String;
    /// What analysis found, aspect by aspect.
    fn analysis(&self) -> findings::Analysis {
        findings::Analysis::default()
    }
    /// Rows `table` will get (progress total; an estimate for some tables).
    fn estimate(&self, table: &TableSpec) -> u64;
    /// Produces `table`'s rows, in order, into `sink`.
    fn stream(&self, table: &TableSpec, sink: &mut Sink) -> Result<()>;
    /// Tables drafted from the same units, in order, that `rounds` can
    /// stream together (none by default).
    fn together(&self) -> Vec<&'static TableSpec> {
        Vec::new()
    }
    /// Streams `tables` (some of `together`, in its order) round by round.
    fn rounds<'g>(&'g self, tables: &[&'static TableSpec]) -> Option<Box<dyn Rounds + 'g>> {
        let _ = tables;
        None
    }
    /// The store side of a link: orders that ad clicks lead to.
    fn as_store(&mut self) -> Option<&mut dyn link::StoreSide> {
        None
    }
    /// The ads side of a link.
    fn as_ads(&mut self) -> Option<&mut dyn link::AdsSide> {
        None
    }
    fn is_ads(&self) -> bool {
        false
    }
}

pub trait Platform: Sync {
    /// The name callers use: `shopify`, `google-ads`, ...
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    /// Its tables, parents before children.
    fn tables(&self) -> &'static [&'static TableSpec];
    /// Reads the workspace and decides what to generate.
    fn analyse(&'static self, cx: &AnalysisContext, query: &mut Query) -> Result<Box<dyn Generation>>;
    /// The store definition, for a store platform (reports read its fields).
    fn store(&'static self) -> Option<&'static store::engine::StoreDefinition> {
        None
    }
}

/// Every platform, in the order `all` generates them: stores first, then
/// ads (whose conversions count the stores' attributed orders).
pub static REGISTRY: &[&dyn Platform] =
    &[&shopify::SHOPIFY, &bigcommerce::BIGCOMMERCE, &woocommerce::WOOCOMMERCE, &magento::MAGENTO, &google_ads::GOOGLE_ADS];

pub fn find(name: &str) -> Option<&'static dyn Platform> {
    let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
    REGISTRY.iter().copied().find(|p| p.name() == wanted)
}

/// The platforms a name covers: one, a comma-separated list (generated
/// together, in registry order), or all of them for `all`.
pub fn select(name: &str) -> Option<Vec<&'static dyn Platform>> {
    if name.trim().eq_ignore_ascii_case("all") {
        return Some(REGISTRY.to_vec());
    }
    let wanted: Vec<&'static dyn Platform> = name.split(',').map(find).collect::<Option<_>>()?;
    Some(REGISTRY.iter().copied().filter(|p| wanted.iter().any(|w| w.name() == p.name())).collect())
}

pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|p| p.name()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::table::FieldKind;

    /// Generation writes `tables()` in order and clean deletes in reverse, so
    /// a table must come after every table of its platform it references.
    #[test]
    fn every_platform_lists_parents_before_children() {
        for platform in REGISTRY {
            let tables = platform.tables();
            let position = |name: &str| tables.iter().position(|t| t.name == name);
            for (i, table) in tables.iter().enumerate() {
                for field in table.fields {
                    if let FieldKind::Ref { owner } = field.kind
                        && let Some(parent) = position(owner)
                    {
                        assert!(parent < i, "{}: {} references {owner}, listed after it", platform.name(), table.name);
                    }
                }
            }
        }
    }
}
