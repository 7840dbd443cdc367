//! The fidelity report's request and result: generated rows scored against
//! the workspace's real rows, aspect by aspect (see `service::report`).

use serde::Serialize;

pub use crate::core::fidelity::Bin;

#[derive(Clone, Debug, PartialEq)]
pub struct ReportRequest {
    /// A platform, a comma-separated list, or all.
    pub platform: String,
    /// Only this run's generated rows; every generated row when absent.
    pub run_id: Option<String>,
    pub environment: Option<String>,
}

/// One aspect of the data, real against generated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AspectScore {
    /// What is compared, in words: "order subtotal", "hour of day", ...
    pub aspect: String,
    /// The table and column(s) it is read from: `dm_orders_shopify.subtotal_price`.
    pub column: String,
    /// `KSComplement` or `TVComplement`.
    pub metric: String,
    /// In [0, 1], 1 meaning the same distribution; None when not available.
    pub score: Option<f64>,
    /// What the row counts count: orders, lines, customers, campaign-days.
    pub unit: String,
    pub real_rows: u64,
    pub generated_rows: u64,
    /// Why there is no score, or how the figure was made (sampling).
    pub note: Option<String>,
    /// Shares per bin on each side, at most about 40 bins, for charts.
    pub bins: Vec<Bin>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlatformFidelity {
    pub platform: String,
    pub aspects: Vec<AspectScore>,
    /// Mean score of the available aspects; None when none is available.
    pub mean: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FidelityReport {
    pub environment: String,
    pub workspace_id: String,
    /// The run compared; None for every generated row.
    pub run_id: Option<String>,
    pub platforms: Vec<PlatformFidelity>,
    /// Aspects whose query failed, platforms left out, tables skipped.
    pub warnings: Vec<String>,
}
