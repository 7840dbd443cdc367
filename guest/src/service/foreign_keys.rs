//! The warehouse's foreign keys in schema `semantic`, read from the catalog
//! in one query: which tables must be emptied before which (clean and
//! rollback), and which keys have no index behind them. Without such an
//! index PostgreSQL checks every parent row removed by scanning the child
//! table's rows of the workspace: removing a run's 20,000 orders then scans
//! its order lines 20,000 times. The tool cannot avoid that check; it says
//! which index would.

use serde_json::Value as Json;

use crate::platforms::store::analysis::quote;
use crate::service::thousands;

/// One foreign key: `child (columns)` references `parent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignKey {
    pub name: String,
    pub child: String,
    pub parent: String,
    pub columns: Vec<String>,
    /// Some valid, non-partial index of the child starts with exactly these
    /// columns (in any order), so the check per parent row is a lookup.
    pub indexed: bool,
}

/// Every foreign key between tables of schema `semantic` (read-only, and
/// only the catalog: `run_select_ws` lets it through as any SELECT).
pub const SQL: &str = "select c.conname::text as name, ch.relname::text as child, pa.relname::text as parent, \
     (select jsonb_agg(a.attname::text order by k.ord) from unnest(c.conkey) with ordinality k(attnum, ord) \
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum) as columns, \
     exists (select 1 from pg_index i where i.indrelid = c.conrelid and i.indisvalid and i.indpred is null \
      and (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey \
      and (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey) as indexed \
     from pg_constraint c join pg_class ch on ch.oid = c.conrelid join pg_class pa on pa.oid = c.confrelid \
     join pg_namespace n on n.oid = c.connamespace join pg_namespace pn on pn.oid = pa.relnamespace \
     where c.contype = 'f' and n.nspname = 'semantic' and pn.nspname = 'semantic'";

pub fn parse(answer: &Json) -> Vec<ForeignKey> {
    answer
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(ForeignKey {
                name: r["name"].as_str()?.to_string(),
                child: r["child"].as_str()?.to_string(),
                parent: r["parent"].as_str()?.to_string(),
                columns: r["columns"].as_array()?.iter().filter_map(|c| c.as_str().map(String::from)).collect(),
                indexed: r["indexed"].as_bool().unwrap_or(true),
            })
        })
        .collect()
}

/// One warning per unindexed foreign key that points at a table rows were
/// removed from (`removed`: table name and rows), with the index to add.
pub fn unindexed_warnings(keys: &[ForeignKey], removed: &[(&str, u64)]) -> Vec<String> {
    let mut out = Vec::new();
    for k in keys.iter().filter(|k| !k.indexed) {
        let Some((_, rows)) = removed.iter().find(|(t, n)| *t == k.parent && *n > 0) else { continue };
        let columns: Vec<String> = k.columns.iter().map(|c| ident(c)).collect();
        out.push(format!(
            "foreign key {name} of semantic.{child} ({plain}) has no index: without one, removing rows from semantic.{parent} scans semantic.{child} once per row removed (here {rows} rows), so the time grows with the square of a run's size. Add it: create index on semantic.{child_i} ({cols});",
            name = k.name,
            child = k.child,
            plain = k.columns.join(", "),
            rows = thousands(*rows),
            parent = k.parent,
            child_i = ident(&k.child),
            cols = columns.join(", "),
        ));
    }
    out
}

/// A name as SQL spells it: bare when it can be, quoted otherwise.
fn ident(name: &str) -> String {
    // PostgreSQL's reserved words (a column may be called "order").
    const RESERVED: &[&str] = &[
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "constraint",
        "create",
        "current_catalog",
        "current_date",
        "current_role",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "from",
        "grant",
        "group",
        "having",
        "in",
        "initially",
        "intersect",
        "into",
        "lateral",
        "leading",
        "limit",
        "localtime",
        "localtimestamp",
        "not",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "placing",
        "primary",
        "references",
        "returning",
        "select",
        "session_user",
        "some",
        "symmetric",
        "table",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "when",
        "where",
        "window",
        "with",
        // Reserved where a column name could stand (PostgreSQL's
        // type_func_name keywords).
        "authorization",
        "binary",
        "collation",
        "concurrently",
        "cross",
        "current_schema",
        "freeze",
        "full",
        "ilike",
        "inner",
        "is",
        "isnull",
        "join",
        "left",
        "like",
        "natural",
        "notnull",
        "outer",
        "overlaps",
        "right",
        "similar",
        "tablesample",
        "verbose",
    ];
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain { name.to_string() } else { quote(name) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_and_only_unindexed_keys_of_emptied_parents_warn() {
        let answer = serde_json::json!([
            {"name": "items_order_fkey", "child": "dm_order_items_shopify", "parent": "dm_orders_shopify", "columns": ["tenant_id", "order_id"], "indexed": false},
            {"name": "items_product_fkey", "child": "dm_order_items_shopify", "parent": "dm_products_shopify", "columns": ["tenant_id", "product_id"], "indexed": false},
            {"name": "orders_customer_fkey", "child": "dm_orders_shopify", "parent": "dm_customers_shopify", "columns": ["tenant_id", "customer_id"], "indexed": true},
        ]);
        let keys = parse(&answer);
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0].columns, ["tenant_id", "order_id"]);
        let w = unindexed_warnings(&keys, &[("dm_orders_shopify", 2000), ("dm_products_shopify", 0), ("dm_customers_shopify", 50)]);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("items_order_fkey") && w[0].contains("once per row removed (here 2,000 rows)"), "{}", w[0]);
        assert!(w[0].ends_with("create index on semantic.dm_order_items_shopify (tenant_id, order_id);"), "the exact statement: {}", w[0]);
        assert_eq!(ident("order"), "\"order\"");
        assert_eq!(ident("left"), "\"left\"");
        assert_eq!(ident("Order_ID"), "\"Order_ID\"");
        assert_eq!(ident("variant_id2"), "variant_id2");
    }
}
