//! Scoping a run's rows. Every operation is scoped twice: to
//! the workspace (tenant_id) and to keys the tool generated, so it cannot
//! reach a row the tool did not create (`census` finds the runs, `removal`
//! removes them, both through these filters and their SQL twins).

use crate::core::keys::Scope;
use crate::core::time::Seconds;
use crate::model::plan::ColumnPlan;
use crate::supabase::client::Filter;

/// The workspace filter plus the key filters of `scope`.
pub fn filters(plan: &ColumnPlan, workspace: &str, scope: Scope, seqs: Option<(u64, u64)>) -> Vec<Filter> {
    let mut out = vec![Filter::eq(&plan.tenant_column, workspace)];
    out.extend(plan.marker_kind.filters(scope, seqs).into_iter().map(|(op, v)| Filter::new(&plan.marker_column, op, v)));
    out
}

/// One run as seen in one table (`census`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunRows {
    pub rows: u64,
    pub first: Option<Seconds>,
    pub last: Option<Seconds>,
    /// The highest sequence number among its keys.
    pub max_seq: Option<u64>,
}
