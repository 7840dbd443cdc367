//! The unique key an insert names as its conflict target (`on_conflict`),
//! so that `--conflict skip|update` and a retried batch can only ever meet a
//! row with the same workspace and the same run-marked key, never a row of
//! another workspace or one the tool did not create, whatever the table's
//! primary key is.
//!
//! A table's key is its leading fields, workspace first, through its marker;
//! daily report rows (whose `created` field is a date) are keyed through
//! that date as well (a campaign's row per day). A table without a unique
//! constraint on exactly those columns is refused by the database (42P10),
//! which `supabase::errors` turns into the fix.

use crate::model::plan::ColumnPlan;
use crate::model::table::FieldKind;

/// The live columns of the table's unique key, in field order.
pub fn conflict_columns(plan: &ColumnPlan) -> Vec<String> {
    let spec = plan.spec;
    let daily = spec.created.and_then(|c| spec.field(c)).filter(|(_, f)| f.kind == FieldKind::Date).map(|(i, _)| i);
    let marker = spec.field(spec.marker).map_or(0, |(i, _)| i);
    let last = daily.filter(|d| *d > marker).unwrap_or(marker);
    (0..=last).filter_map(|i| plan.column_of(i).map(str::to_string)).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::platforms::testkit;

    /// Each table's primary key in the local warehouse's schema.
    fn primary_keys() -> HashMap<String, Vec<String>> {
        let sql = include_str!("../../../scripts/warehouse/10-tables.sql");
        let mut keys = HashMap::new();
        let mut table = String::new();
        for line in sql.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("create table if not exists semantic.") {
                table = rest.trim_end_matches(" (").to_string();
            } else if let Some(rest) = line.strip_prefix("primary key (") {
                let cols = rest.split(')').next().unwrap_or_default();
                keys.insert(table.clone(), cols.split(',').map(|c| c.trim().to_string()).collect());
            }
        }
        keys
    }

    #[test]
    fn every_table_names_its_primary_key_with_workspace_and_marker() {
        let keys = primary_keys();
        for platform in crate::platforms::REGISTRY {
            for (name, plan) in testkit::plans(*platform, "text") {
                let target = conflict_columns(&plan);
                assert_eq!(Some(&target), keys.get(name), "{name}: the conflict target is the table's primary key");
                assert_eq!(target[0], plan.tenant_column, "{name}");
                assert!(target.contains(&plan.marker_column), "{name}");
            }
        }
    }
}
