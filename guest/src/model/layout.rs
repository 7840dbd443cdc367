//! The table layout the tool expects (the local warehouse's schema,
//! `scripts/warehouse/10-tables.sql`), as live columns: what generating
//! files without a database plans against, so that the files load into
//! such a warehouse as they are.

use crate::model::plan::LiveColumn;

const TABLES_SQL: &str = include_str!("../../../scripts/warehouse/10-tables.sql");

/// The columns of `table` in the expected layout, in order; empty for a
/// table it does not have.
pub fn columns(table: &str) -> Vec<LiveColumn> {
    let head = format!("create table if not exists semantic.{table} (");
    let Some(start) = TABLES_SQL.find(&head) else { return Vec::new() };
    let body = &TABLES_SQL[start + head.len()..];
    let body = &body[..body.find("\n);").unwrap_or(body.len())];
    body.lines().filter_map(column).collect()
}

/// One column definition line (`name type [not null] [default ...],`).
fn column(line: &str) -> Option<LiveColumn> {
    let line = line.split("--").next()?.trim().trim_end_matches(',');
    let lower = line.to_ascii_lowercase();
    if line.is_empty() || ["primary key", "foreign key", "unique", "constraint", "check"].iter().any(|k| lower.starts_with(k)) {
        return None;
    }
    let (name, rest) = line.split_once(char::is_whitespace)?;
    let rest_lower = rest.trim().to_ascii_lowercase();
    let end = [" not null", " default ", " references ", " primary key"]
        .iter()
        .filter_map(|k| rest_lower.find(k))
        .min()
        .unwrap_or(rest_lower.len());
    Some(LiveColumn {
        name: name.to_string(),
        data_type: information_schema_type(rest_lower[..end].trim()),
        nullable: !rest_lower.contains("not null"),
        has_default: rest_lower.contains(" default "),
    })
}

/// A DDL type as `information_schema.columns.data_type` names it (what the
/// live schema RPC reports).
fn information_schema_type(ddl: &str) -> String {
    let base = ddl.split('(').next().unwrap_or(ddl).trim();
    match base {
        "timestamptz" => "timestamp with time zone",
        "timestamp" => "timestamp without time zone",
        "varchar" => "character varying",
        "int" | "int4" => "integer",
        "int8" => "bigint",
        "bool" => "boolean",
        "float8" => "double precision",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::REGISTRY;

    #[test]
    fn every_table_of_every_platform_has_its_layout() {
        for p in REGISTRY {
            for t in p.tables() {
                let cols = columns(t.name);
                assert!(cols.iter().any(|c| c.name == "tenant_id" && !c.nullable), "{}", t.name);
                assert!(cols.iter().any(|c| c.name == t.marker), "{}: {:?}", t.name, cols.iter().map(|c| &c.name).collect::<Vec<_>>());
            }
        }
        let events = columns("dm_shopify_pixel_events");
        let id = events.iter().find(|c| c.name == "event_id").unwrap();
        assert_eq!((id.data_type.as_str(), id.nullable), ("uuid", false));
        let price = columns("dm_variants_shopify").into_iter().find(|c| c.name == "price").unwrap();
        assert_eq!(price.data_type, "numeric");
        let synced = columns("dm_shop_info_shopify").into_iter().find(|c| c.name == "_synced_at").unwrap();
        assert!(synced.has_default);
        assert!(columns("no_such_table").is_empty());
    }
}
