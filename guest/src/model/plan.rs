//! Where a table's generated fields meet its live columns.
//!
//! A plan is made from the table's live schema before anything is written:
//! rows then carry exactly the columns the table has (every row the same
//! keys, as a PostgREST bulk insert needs). A column the generator does not
//! know is filled from the values it already holds in the workspace
//! (`Extra::resample_from`), or with a value of its type when it holds none;
//! a NOT NULL column is never left empty.

use std::collections::HashMap;
use std::io::Write;

use crate::core::bytes;
use crate::core::keys::{KeyKind, RunId, RunKeys};
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
    /// `,"column":`, escaped once (the first column skips the comma).
    json_name: Vec<u8>,
    /// `,"column":null`: an empty value in one copy.
    json_null: Vec<u8>,
    field: usize,
    kind: FieldKind,
    not_null: bool,
    /// For keys and references: how the key is written.
    key_kind: Option<KeyKind>,
    /// A bigint key in a text column is written as a string.
    quote_key: bool,
    date_column: bool,
    text_column: bool,
    data_type: String,
}

/// A live column the generator has no field for.
#[derive(Clone, Debug)]
pub struct Extra {
    pub column: String,
    pub data_type: String,
    json_name: Vec<u8>,
    not_null: bool,
    /// Values seen in the workspace (JSON literals) with cumulative weights.
    values: Vec<(Vec<u8>, f64)>,
    /// Every value seen was distinct.
    identifier: bool,
}

impl Extra {
    /// Values to draw from, with how often each was seen (from one bounded
    /// aggregate over the workspace's rows).
    pub fn resample_from(&mut self, seen: impl IntoIterator<Item = (serde_json::Value, f64)>) {
        let mut total = 0.0;
        self.values.clear();
        let mut most = 0.0f64;
        for (value, n) in seen {
            if value.is_null() || n <= 0.0 {
                continue;
            }
            total += n;
            most = most.max(n);
            self.values.push((serde_json::to_vec(&value).expect("values serialise"), total));
        }
        // Every value seen once: an identifier (an external id), which a
        // copy could collide with. Text ones get values of their own instead.
        self.identifier = most <= 1.0 && self.values.len() >= 10;
        if self.identifier && KeyKind::from_sql_type(&self.data_type) == Some(KeyKind::Text) {
            self.values.clear();
        }
    }

    /// The value for the row with sequence number `seq`: a frequency-weighted
    /// draw, the same for the same row every time.
    fn write(&self, key: &str, seq: u64, index: usize, at: Option<crate::core::time::Seconds>, out: &mut Vec<u8>) {
        let h = crate::core::rng::mix(seq ^ crate::core::rng::mix(index as u64 + 0x5eed));
        if self.identifier && self.values.is_empty() {
            // Unique to this row: its own marked key and the column.
            serde_json::to_writer(&mut *out, &format!("{key}-{}", self.column)).expect("strings serialise");
        } else if let Some((_, total)) = self.values.last() {
            let target = (h >> 11) as f64 / (1u64 << 53) as f64 * total;
            let i = self.values.partition_point(|(_, c)| *c <= target).min(self.values.len() - 1);
            out.extend_from_slice(&self.values[i].0);
        } else if self.not_null {
            typed_default(&self.data_type, h, at, out);
        } else {
            out.extend_from_slice(b"null");
        }
    }
}

/// A JSON string. Generated text rarely needs escaping: one scan finds out,
/// and only text that does goes through serde_json's escaper.
#[inline]
fn write_json_str(s: &str, out: &mut Vec<u8>) {
    if plain(s.as_bytes()) {
        write_plain_str(s, out);
    } else {
        serde_json::to_writer(&mut *out, s).expect("strings serialise");
    }
}

/// A JSON string known to need no escaping.
#[inline(always)]
fn write_plain_str(s: &str, out: &mut Vec<u8>) {
    debug_assert!(plain(s.as_bytes()), "{s}");
    bytes::append_quoted(out, s.as_bytes());
}

/// Whether JSON takes `bytes` between quotes as they are: no control
/// character, quote or backslash. Eight bytes at a time (SWAR).
fn plain(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // Bytes below 0x20, then bytes equal to '"' or '\\'; a byte of 0x80 or
        // more (UTF-8) never counts as below 0x20.
        let low = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        if low | has_zero(x ^ (ONES * u64::from(b'"'))) | has_zero(x ^ (ONES * u64::from(b'\\'))) != 0 {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// A plain value of a SQL type, for a required column nothing else fills.
fn typed_default(data_type: &str, h: u64, at: Option<crate::core::time::Seconds>, out: &mut Vec<u8>) {
    let t = data_type.to_ascii_lowercase();
    if t.starts_with("timestamp") {
        time::write_json_timestamp(at.unwrap_or(946_684_800), out);
    } else if t == "date" {
        time::write_json_date(at.unwrap_or(946_684_800), out);
    } else if matches!(t.as_str(), "smallint" | "integer" | "bigint" | "numeric" | "decimal" | "real" | "double precision" | "money") {
        out.push(b'0');
    } else if t == "boolean" {
        out.extend_from_slice(b"false");
    } else if t == "uuid" {
        let _ = write!(
            out,
            "\"{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}\"",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h >> 20) & 0xfff,
            h & 0xffff_ffff_ffff
        );
    } else if t == "json" || t == "jsonb" {
        out.extend_from_slice(b"{}");
    } else if t == "array" || t.ends_with("[]") {
        out.extend_from_slice(b"[]");
    } else {
        out.extend_from_slice(b"\"\"");
    }
}

/// How one table's rows are written.
#[derive(Clone, Debug)]
pub struct ColumnPlan {
    pub spec: &'static TableSpec,
    columns: Vec<Planned>,
    /// Live columns the generator does not know, filled by resampling.
    pub extras: Vec<Extra>,
    /// The marker field's index (its sequence number seeds extra values)
    /// and the creation-time field's, for time-typed defaults.
    marker_field: usize,
    created_field: Option<usize>,
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
        let mut extras = Vec::new();
        let mut field_columns = vec![None; spec.fields.len()];
        for col in live {
            let Some((index, field)) = spec.fields.iter().enumerate().find(|(_, f)| f.answers_to(&col.name)) else {
                // Columns with a default are left to it; the others are
                // filled like the workspace fills them.
                if !col.has_default {
                    let mut json_name = serde_json::to_vec(&col.name).expect("strings serialise");
                    json_name.push(b':');
                    extras.push(Extra {
                        column: col.name.clone(),
                        data_type: col.data_type.clone(),
                        json_name,
                        not_null: !col.nullable,
                        values: Vec::new(),
                        identifier: false,
                    });
                }
                continue;
            };
            if !field.kind.accepts(&col.data_type) {
                return Err(ToolError::schema(format!(
                    "{table}.{} is {} but the generator fills it with {:?} values: change the column type or its mapping in guest/src/platforms/",
                    col.name, col.data_type, field.kind
                )));
            }
            // An optional field in a NOT NULL column is filled with a plain
            // value of its type where the generator leaves it empty.
            let not_null = !col.nullable && !col.has_default;
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
            let mut json_name = vec![b','];
            serde_json::to_writer(&mut json_name, &col.name).expect("strings serialise");
            json_name.push(b':');
            let json_null = [json_name.as_slice(), b"null"].concat();
            columns.push(Planned {
                column: col.name.clone(),
                json_null,
                json_name,
                field: index,
                kind: field.kind,
                not_null,
                quote_key: key_kind == Some(KeyKind::BigInt) && text_column,
                key_kind,
                date_column: col.data_type.eq_ignore_ascii_case("date"),
                text_column,
                data_type: col.data_type.clone(),
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
        let created_field = spec.created.and_then(|f| spec.field(f)).map(|(i, _)| i);
        let created_column = created_field.and_then(|i| field_columns[i].clone());
        Ok(ColumnPlan {
            spec,
            columns,
            extras,
            marker_field: marker_index,
            created_field,
            field_columns,
            marker_column,
            marker_kind,
            created_column,
            tenant_column,
        })
    }

    /// The live column of a field, if the table has one.
    pub fn column_of(&self, field: impl Into<usize>) -> Option<&str> {
        self.field_columns.get(field.into()).and_then(|c| c.as_deref())
    }

    /// The SQL type of a field's live column.
    pub fn type_of(&self, field: impl Into<usize>) -> Option<&str> {
        let field = field.into();
        self.columns.iter().find(|c| c.field == field).map(|c| c.data_type.as_str())
    }

    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.column.as_str()).chain(self.extras.iter().map(|e| e.column.as_str()))
    }

    /// Appends `row` as a JSON object. `tenant` is the workspace id as JSON.
    pub fn write_row(&self, row: &Row, tenant: &[u8], run: RunId, out: &mut Vec<u8>) -> Result<()> {
        let keys = RunKeys::new(run);
        out.push(b'{');
        // A row's times often repeat (an event's time and creation time):
        // the last one written is copied rather than formatted again.
        let mut last_time: Option<(crate::core::time::Seconds, std::ops::Range<usize>)> = None;
        for (i, col) in self.columns.iter().enumerate() {
            let value = &row.values()[col.field];
            if matches!(value, Value::Null) && !col.not_null && col.kind != FieldKind::Tenant {
                bytes::append(out, &col.json_null[usize::from(i == 0)..]);
                continue;
            }
            bytes::append(out, &col.json_name[usize::from(i == 0)..]);
            if col.kind == FieldKind::Tenant {
                bytes::append(out, tenant);
                continue;
            }
            if let (Value::Time(t), false) = (value, col.date_column) {
                match &last_time {
                    Some((seen, at)) if seen == t => bytes::append_within(out, at.clone()),
                    _ => {
                        let start = out.len();
                        time::write_json_timestamp(*t, out);
                        last_time = Some((*t, start..out.len()));
                    }
                }
                continue;
            }
            self.write_value(col, value, row, &keys, out)?;
        }
        if !self.extras.is_empty() {
            let seq = match row.values()[self.marker_field] {
                Value::NewKey(seq) => seq,
                _ => 0,
            };
            let key = self.marker_kind.format(run, seq);
            for (i, extra) in self.extras.iter().enumerate() {
                out.push(b',');
                out.extend_from_slice(&extra.json_name);
                extra.write(&key, seq, i, self.created_at(row), out);
            }
        }
        out.push(b'}');
        Ok(())
    }

    fn created_at(&self, row: &Row) -> Option<crate::core::time::Seconds> {
        match self.created_field.map(|i| &row.values()[i]) {
            Some(Value::Time(t) | Value::Date(t)) => Some(*t),
            _ => None,
        }
    }

    fn write_value(&self, col: &Planned, value: &Value, row: &Row, keys: &RunKeys, out: &mut Vec<u8>) -> Result<()> {
        match value {
            // A reference cannot be made up: it must name a real row.
            Value::Null if col.not_null && col.key_kind.is_some() => {
                return Err(ToolError::schema(format!(
                    "{}.{} is NOT NULL, but some generated rows have nothing to reference there: make the column nullable",
                    self.spec.qualified(),
                    col.column
                )));
            }
            Value::Null if col.not_null => typed_default(&col.data_type, col.field as u64, self.created_at(row), out),
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(b) if col.text_column => out.extend_from_slice(if *b { b"\"true\"" } else { b"\"false\"" }),
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Int(n) => bytes::append(out, itoa::Buffer::new().format(*n).as_bytes()),
            Value::Money(c) => money::write_json(*c, out),
            Value::Decimal(x) => {
                let _ = write!(out, "{}", (x * 1e6).round() / 1e6);
            }
            Value::Text(s) => write_json_str(s, out),
            Value::Shared(s) => write_json_str(s, out),
            // Checked once where it was made; the tool's own vocabulary too.
            Value::Plain(s) => write_plain_str(s, out),
            Value::Static(s) => write_plain_str(s, out),
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
                    let _ = write!(out, "\"{}\"", kind.format(keys.run, *seq));
                } else {
                    keys.write_json(kind, *seq, out);
                }
            }
            Value::Existing(raw) => bytes::append(out, raw.as_bytes()),
            Value::Json(raw) if col.text_column => write_json_str(raw, out),
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
    fn strings_needing_escapes_are_found_at_every_position() {
        let naive = |b: &[u8]| b.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\');
        for len in 0..20 {
            for at in 0..len {
                for bad in [0u8, 0x1f, b'"', b'\\', 0x20, 0x21, 0x5b, 0x7f, 0x80, 0xff, b'!', b'#'] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = bad;
                    assert_eq!(plain(&bytes), naive(&bytes), "{bytes:?}");
                }
            }
        }
        let mut out = Vec::new();
        write_json_str("tab\there \"q\" ünï", &mut out);
        assert_eq!(serde_json::from_slice::<String>(&out).unwrap(), "tab\there \"q\" ünï");
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
                "date_created": "1970-01-01T00:00:00Z",
                "extra": null
            })
        );
        assert_eq!(plan.created_column.as_deref(), Some("date_created"));
        assert_eq!(plan.marker_kind, KeyKind::Text);
    }

    #[test]
    fn unknown_and_stricter_columns_are_filled() {
        let live = vec![
            col("tenant_id", "text", false),
            col("order_id", "text", false),
            col("risk", "text", false),
            col("score", "integer", false),
            col("channel", "text", true),
            col("note", "text", false),
        ];
        let mut plan = ColumnPlan::new(&SPEC, &live, &kinds()).unwrap();
        assert_eq!(plan.extras.iter().map(|e| e.column.as_str()).collect::<Vec<_>>(), ["risk", "score", "channel"]);
        plan.extras[0].resample_from([
            (serde_json::json!("low"), 90.0),
            (serde_json::json!("high"), 10.0),
            (serde_json::Value::Null, 50.0),
        ]);
        let run = RunId::new(1).unwrap();
        let mut lows = 0;
        for seq in 0..2000 {
            let mut row = Row::new(F::SPECS.len());
            row.set(F::Id, Value::NewKey(seq)).set(F::Made, Value::Time(0));
            let mut out = Vec::new();
            plan.write_row(&row, b"\"ws\"", run, &mut out).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert!(v["risk"] == "low" || v["risk"] == "high", "{v}");
            lows += usize::from(v["risk"] == "low");
            assert_eq!(v["score"], 0, "no values seen: a plain value of the type");
            assert!(v["channel"].is_null(), "nullable and never seen: left empty");
            assert_eq!(v["note"], "", "an optional field in a NOT NULL column is filled");
        }
        assert!((1700..1900).contains(&lows), "frequency-weighted: {lows}");
        // A column whose every value is distinct is an identifier: copies
        // could collide, so each row gets its own.
        plan.extras[0].resample_from((0..50).map(|i| (serde_json::json!(format!("ext-{i}")), 1.0)));
        let mut seen = std::collections::HashSet::new();
        for seq in 0..100 {
            let mut row = Row::new(F::SPECS.len());
            row.set(F::Id, Value::NewKey(seq));
            let mut out = Vec::new();
            plan.write_row(&row, b"\"ws\"", run, &mut out).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert!(v["risk"].as_str().unwrap().starts_with("mock-00001-"), "{v}");
            assert!(seen.insert(v["risk"].to_string()));
        }
    }

    #[test]
    fn required_references_with_nothing_to_name_are_caught() {
        let live = vec![col("tenant_id", "text", false), col("order_id", "text", false), col("customer_id", "bigint", false)];
        let plan = ColumnPlan::new(&SPEC, &live, &kinds()).unwrap();
        let mut row = Row::new(F::SPECS.len());
        row.set(F::Id, Value::NewKey(1));
        let err = plan.write_row(&row, b"\"ws\"", RunId::new(1).unwrap(), &mut Vec::new()).unwrap_err();
        assert!(err.message.contains("customer_id") && err.message.contains("make the column nullable"), "{}", err.message);
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
    fn a_null_in_a_required_column_gets_a_plain_value() {
        let live = vec![col("tenant_id", "text", false), col("order_id", "text", false), col("total_price", "numeric", false)];
        let plan = ColumnPlan::new(&SPEC, &live, &kinds()).unwrap();
        let mut row = Row::new(F::SPECS.len());
        row.set(F::Id, Value::NewKey(1));
        let mut out = Vec::new();
        plan.write_row(&row, b"\"ws\"", RunId::new(1).unwrap(), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["total_price"], 0);
    }
}
