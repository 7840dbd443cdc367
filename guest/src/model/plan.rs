//! Where a table's generated fields meet its live columns.
//!
//! A plan is made from the table's live schema before anything is written:
//! rows then carry exactly the columns the table has (every row the same
//! keys, as a PostgREST bulk insert needs), and a NOT NULL column without a
//! default that the generator cannot fill stops the run with a clear error
//! instead of failing half-way.

use std::collections::HashMap;
use std::io::Write;

use crate::core::keys::{KeyKind, RunId};
use crate::core::money;
use crate::core::time;
use crate::error::{Result, ToolError};
use crate::model::row::{Row, Value};
use crate::model::table::{FieldKind, TableSpec};

/// A column as the warehouse reports it (`get_agent_table_schema`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveColumn {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    pub has_default: bool,
}

#[derive(Clone, Debug)]
struct Planned {
    column: String,
    /// `"column":`, escaped once.
    json_name: Vec<u8>,
    field: usize,
    kind: FieldKind,
    not_null: bool,
    /// For keys and references: how the key is written.
    key_kind: Option<KeyKind>,
    /// A bigint key in a text column is written as a string.
    quote_key: bool,
    date_column: bool,
    text_column: bool,
}

/// How one table's rows are written.
#[derive(Clone, Debug)]
pub struct ColumnPlan {
    pub spec: &'static TableSpec,
    columns: Vec<Planned>,
    /// The live column holding each field, by field index.
    field_columns: Vec<Option<String>>,
    pub marker_column: String,
    pub marker_kind: KeyKind,
    pub created_column: Option<String>,
    /// The column holding the workspace id.
    pub tenant_column: String,
}

impl ColumnPlan {
    /// A plan for finding and removing generated rows (status, clean): only
    /// the workspace, key and creation-time columns matter, so a table the
    /// generator could no longer write to can still be counted and cleaned.
    pub fn for_reading(spec: &'static TableSpec, live: &[LiveColumn], owner_kinds: &HashMap<&'static str, KeyKind>) -> Result<ColumnPlan> {
        let needed = |c: &LiveColumn| {
            spec.fields
                .iter()
                .any(|f| f.answers_to(&c.name) && (f.kind == FieldKind::Tenant || f.name == spec.marker || Some(f.name) == spec.created))
        };
        let relevant: Vec<LiveColumn> = live.iter().filter(|c| needed(c)).cloned().collect();
        if relevant.is_empty() && !live.is_empty() {
            return Err(ToolError::schema(format!("{} has neither a tenant_id nor a {} column", spec.qualified(), spec.marker)));
        }
        ColumnPlan::new(spec, &relevant, owner_kinds)
    }

    /// `owner_kinds` gives the key kind of tables planned before this one,
    /// so that a reference is written the way its owner's key is.
    pub fn new(spec: &'static TableSpec, live: &[LiveColumn], owner_kinds: &HashMap<&'static str, KeyKind>) -> Result<ColumnPlan> {
        let table = spec.qualified();
        if live.is_empty() {
            return Err(ToolError::schema(format!(
                "table {table} does not exist or shows no columns: create it (scripts/warehouse/10-tables.sql has the layout the tool expects) or check that the service role can read it"
            )));
        }
        let mut columns = Vec::new();
        let mut field_columns = vec![None; spec.fields.len()];
        for col in live {
            let Some((index, field)) = spec.fields.iter().enumerate().find(|(_, f)| f.answers_to(&col.name)) else {
                if !col.nullable && !col.has_default {
                    return Err(ToolError::schema(format!(
                        "{table}.{} ({}) is NOT NULL without a default, and the generator has no value for it: give the column a default or make it nullable, or teach the generator the column (its field list in guest/src/platforms/)",
                        col.name, col.data_type
                    )));
                }
                continue;
            };
            if !field.kind.accepts(&col.data_type) {
                return Err(ToolError::schema(format!(
                    "{table}.{} is {} but the generator fills it with {:?} values: change the column type or its mapping in guest/src/platforms/",
                    col.name, col.data_type, field.kind
                )));
            }
            let not_null = !col.nullable && !col.has_default;
            if not_null && field.optional {
                return Err(ToolError::schema(format!(
                    "{table}.{} is NOT NULL without a default, but the generator leaves it empty for some rows: make the column nullable or give it a default",
                    col.name
                )));
            }
            let own_kind = KeyKind::from_sql_type(&col.data_type);
            let key_kind = match field.kind {
                FieldKind::Key => Some(own_kind.ok_or_else(|| {
                    ToolError::schema(format!(
                        "{table}.{} is {}: the tool marks its rows through their keys, which needs a text, uuid or bigint key column",
                        col.name, col.data_type
                    ))
                })?),
                FieldKind::Ref { owner } => owner_kinds.get(owner).copied().or(own_kind),
                _ => None,
            };
            let text_column = KeyKind::from_sql_type(&col.data_type) == Some(KeyKind::Text);
            field_columns[index].get_or_insert_with(|| col.name.clone());
            let mut json_name = serde_json::to_vec(&col.name).expect("strings serialise");
            json_name.push(b':');
            columns.push(Planned {
                column: col.name.clone(),
                json_name,
                field: index,
                kind: field.kind,
                not_null,
                quote_key: key_kind == Some(KeyKind::BigInt) && text_column,
                key_kind,
                date_column: col.data_type.eq_ignore_ascii_case("date"),
                text_column,
            });
        }
        let (marker_index, _) = spec.field(spec.marker).expect("a table's marker is one of its fields");
        let marker = columns.iter().find(|c| c.field == marker_index).ok_or_else(|| {
            ToolError::schema(format!(
                "{table} has no {} column: the tool marks the rows it creates through that key, so it cannot write this table safely",
                spec.marker
            ))
        })?;
        let marker_column = marker.column.clone();
        // Judged in the column's own type: a bigint range on a text column
        // would also match real keys such as "900042131".
        let own = live.iter().find(|c| c.name == marker_column).map(|c| (KeyKind::from_sql_type(&c.data_type), c.data_type.as_str()));
        let marker_kind = match (own, marker.key_kind) {
            (Some((Some(own), _)), Some(written)) if own == written => own,
            (Some((Some(_), data_type)), Some(written)) => {
                return Err(ToolError::schema(format!(
                    "{table}.{marker_column} is {data_type} but holds {written:?} keys copied from the table it refers to: the tool marks this table's rows through that column, so it must have the same type as the key it copies; change its type"
                )));
            }
            _ => {
                return Err(ToolError::schema(format!(
                    "{table}.{marker_column} cannot hold a marked key: it must be text, uuid or bigint"
                )));
            }
        };
        let tenant_column = columns
            .iter()
            .find(|c| c.kind == FieldKind::Tenant)
            .map(|c| c.column.clone())
            .ok_or_else(|| ToolError::schema(format!("{table} has no tenant_id column: rows could not be kept to one workspace")))?;
        let created_column = spec.created.and_then(|f| spec.field(f)).and_then(|(i, _)| field_columns[i].clone());
        Ok(ColumnPlan { spec, columns, field_columns, marker_column, marker_kind, created_column, tenant_column })
    }

    /// The live column of a field, if the table has one.
    pub fn column_of(&self, field: impl Into<usize>) -> Option<&str> {
        self.field_columns.get(field.into()).and_then(|c| c.as_deref())
    }

    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.column.as_str())
    }

    /// Appends `row` as a JSON object. `tenant` is the workspace id as JSON.
    pub fn write_row(&self, row: &Row, tenant: &[u8], run: RunId, out: &mut Vec<u8>) -> Result<()> {
        out.push(b'{');
        for (i, col) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&col.json_name);
            if col.kind == FieldKind::Tenant {
                out.extend_from_slice(tenant);
                continue;
            }
            self.write_value(col, &row.values()[col.field], run, out)?;
        }
        out.push(b'}');
        Ok(())
    }

    fn write_value(&self, col: &Planned, value: &Value, run: RunId, out: &mut Vec<u8>) -> Result<()> {
        match value {
            Value::Null if col.not_null => {
                return Err(ToolError::internal(format!(
                    "generated a row of {} without a value for NOT NULL column {}",
                    self.spec.qualified(),
                    col.column
                )));
            }
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(b) if col.text_column => out.extend_from_slice(if *b { b"\"true\"" } else { b"\"false\"" }),
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Value::Money(c) => money::write_json(*c, out),
            Value::Decimal(x) => {
                let _ = write!(out, "{}", (x * 1e6).round() / 1e6);
            }
            Value::Text(s) => serde_json::to_writer(&mut *out, s).expect("strings serialise"),
            Value::Static(s) => serde_json::to_writer(&mut *out, s).expect("strings serialise"),
            Value::Shared(s) => serde_json::to_writer(&mut *out, &**s).expect("strings serialise"),
            Value::Time(t) if col.date_column => time::write_json_date(*t, out),
            Value::Time(t) => time::write_json_timestamp(*t, out),
            Value::Date(t) => time::write_json_date(*t, out),
            Value::NewKey(seq) => {
                let kind = col.key_kind.unwrap_or(KeyKind::Text);
                if *seq >= kind.seq_limit() {
                    return Err(ToolError::invalid(format!(
                        "{} would need more than {} rows in one run for its {:?} key column {}: generate in several runs (different seeds)",
                        self.spec.qualified(),
                        kind.seq_limit(),
                        kind,
                        col.column
                    )));
                }
                if col.quote_key {
                    let _ = write!(out, "\"{}\"", kind.format(run, *seq));
                } else {
                    kind.write_json(run, *seq, out);
                }
            }
            Value::Existing(raw) => out.extend_from_slice(raw.as_bytes()),
            Value::Json(raw) if col.text_column => serde_json::to_writer(&mut *out, raw).expect("strings serialise"),
            Value::Json(raw) => out.extend_from_slice(raw.as_bytes()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::table::FieldKind as K;

    crate::fields! {
        enum F {
            Tenant = "tenant_id" [] K::Tenant,
            Id = "order_id" ["id"] K::Key,
            Customer = "customer_id" [] ?opt K::Ref { owner: "customers" },
            Total = "total_price" [] K::Money,
            Made = "created_at" ["date_created"] K::Time,
            Note = "note" [] ?opt K::Text,
        }
    }

    static SPEC: TableSpec = TableSpec { name: "orders", fields: F::SPECS, marker: "order_id", created: Some("created_at") };

    fn col(name: &str, t: &str, nullable: bool) -> LiveColumn {
        LiveColumn { name: name.into(), data_type: t.into(), nullable, has_default: false }
    }

    fn kinds() -> HashMap<&'static str, KeyKind> {
        HashMap::from([("customers", KeyKind::BigInt)])
    }

    #[test]
    fn writes_only_live_columns_under_their_live_names() {
        let live = vec![
            col("tenant_id", "text", false),
            col("order_id", "text", false),
            col("customer_id", "text", true),
            col("total_price", "numeric", false),
            col("date_created", "timestamp with time zone", false),
            col("extra", "text", true),
        ];
        let plan = ColumnPlan::new(&SPEC, &live, &kinds()).unwrap();
        let mut row = Row::new(F::SPECS.len());
        row.set(F::Id, Value::NewKey(3))
            .set(F::Customer, Value::NewKey(9))
            .set(F::Total, Value::Money(1999))
            .set(F::Made, Value::Time(0))
            .set(F::Note, "ignored: no column");
        let mut out = Vec::new();
        let run = RunId::new(12).unwrap();
        plan.write_row(&row, b"\"ws\"", run, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "tenant_id": "ws",
                "order_id": "mock-00012-0000000003",
                "customer_id": "9000001200000009",
                "total_price": 19.99,
                "date_created": "1970-01-01T00:00:00Z"
            })
        );
        assert_eq!(plan.created_column.as_deref(), Some("date_created"));
        assert_eq!(plan.marker_kind, KeyKind::Text);
    }

    #[test]
    fn unfillable_required_columns_are_refused_before_writing() {
        let mut live = vec![col("tenant_id", "text", false), col("order_id", "text", false), col("risk", "text", false)];
        let err = ColumnPlan::new(&SPEC, &live, &kinds()).unwrap_err();
        assert!(err.message.contains("semantic.orders.risk"), "{}", err.message);
        assert!(err.message.contains("give the column a default"), "{}", err.message);
        live[2] = col("customer_id", "bigint", false);
        let err = ColumnPlan::new(&SPEC, &live, &kinds()).unwrap_err();
        assert!(err.message.contains("leaves it empty"), "{}", err.message);
    }

    #[test]
    fn tables_without_a_markable_key_are_refused() {
        let err = ColumnPlan::new(&SPEC, &[col("tenant_id", "text", false), col("total_price", "numeric", true)], &kinds()).unwrap_err();
        assert!(err.message.contains("no order_id column"), "{}", err.message);
        let err = ColumnPlan::new(&SPEC, &[col("tenant_id", "text", false), col("order_id", "integer", false)], &kinds()).unwrap_err();
        assert!(err.message.contains("integer"), "{}", err.message);
        let err = ColumnPlan::new(&SPEC, &[], &kinds()).unwrap_err();
        assert!(err.message.contains("does not exist"), "{}", err.message);
    }

    #[test]
    fn a_marker_is_judged_in_its_own_column_type() {
        crate::fields! {
            enum Terms {
                Tenant = "tenant_id" [] K::Tenant,
                Keyword = "keyword_id" [] K::Ref { owner: "keywords" },
            }
        }
        static TERMS: TableSpec = TableSpec { name: "terms", fields: Terms::SPECS, marker: "keyword_id", created: None };
        let bigint_owner = HashMap::from([("keywords", KeyKind::BigInt)]);
        let plan = ColumnPlan::new(&TERMS, &[col("tenant_id", "text", false), col("keyword_id", "bigint", false)], &bigint_owner).unwrap();
        assert_eq!(plan.marker_kind, KeyKind::BigInt);
        // A text column holding the owner's bigint keys: a bigint range there
        // would match text keys of real rows, so the table is refused.
        let live = [col("tenant_id", "text", false), col("keyword_id", "text", false)];
        let err = ColumnPlan::new(&TERMS, &live, &bigint_owner).unwrap_err();
        assert!(err.message.contains("semantic.terms.keyword_id is text") && err.message.contains("same type"), "{}", err.message);
        assert!(ColumnPlan::for_reading(&TERMS, &live, &bigint_owner).is_err(), "status and clean leave it out too");
    }

    #[test]
    fn reading_plans_need_only_the_workspace_and_key_columns() {
        let live = vec![
            col("tenant_id", "text", false),
            col("order_id", "text", false),
            col("risk", "text", false),
            col("total_price", "boolean", false),
            col("created_at", "timestamp with time zone", true),
        ];
        assert!(ColumnPlan::new(&SPEC, &live, &kinds()).is_err(), "not writable");
        let plan = ColumnPlan::for_reading(&SPEC, &live, &kinds()).unwrap();
        assert_eq!((plan.tenant_column.as_str(), plan.marker_column.as_str()), ("tenant_id", "order_id"));
        assert_eq!(plan.created_column.as_deref(), Some("created_at"));
    }

    #[test]
    fn a_null_in_a_required_column_is_caught_per_row() {
        let live = vec![col("tenant_id", "text", false), col("order_id", "text", false), col("total_price", "numeric", false)];
        let plan = ColumnPlan::new(&SPEC, &live, &kinds()).unwrap();
        let mut row = Row::new(F::SPECS.len());
        row.set(F::Id, Value::NewKey(1));
        let err = plan.write_row(&row, b"\"ws\"", RunId::new(1).unwrap(), &mut Vec::new()).unwrap_err();
        assert!(err.message.contains("total_price"));
    }
}
