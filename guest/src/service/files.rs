//! Files without a database: each table's rows as CSV, NDJSON or SQL, one
//! file per table, named so that loading them in name order respects the
//! foreign keys (`01-dm_shop_info_shopify.sql`, ...). Rows are encoded batch
//! by batch from the same JSON the warehouse would get, and handed to the
//! host, which alone touches the output directory. SQL is the host's to
//! write (a file a user runs with psql must hold no statement the component
//! chose): for it the batches go to the host as they are.

use serde_json::Value as Json;
use serde_json::value::RawValue;

use crate::error::{Result, ToolError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
    /// `insert ... from json_populate_recordset(...)`, one statement a
    /// batch, one transaction a file: loads with `psql -f`. Written by the
    /// host from the rows (`Host::write_sql_rows`).
    Sql,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "sql" => Ok(Format::Sql),
            other => Err(ToolError::invalid(format!("output format '{other}' is not one of csv, ndjson, sql"))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
            Format::Sql => "sql",
        }
    }
}

/// The file of the `index`-th table (from 1) in load order.
pub fn file_name(index: usize, table: &str, format: Format) -> String {
    format!("{index:02}-{table}.{}", format.extension())
}

/// Turns a table's batches (JSON arrays of row objects, every row with the
/// same keys in `columns` order) into the bytes of its file.
pub struct Encoder {
    format: Format,
    table: &'static str,
    columns: Vec<String>,
    started: bool,
}

impl Encoder {
    pub fn new(format: Format, table: &'static str, columns: Vec<String>) -> Encoder {
        Encoder { format, table, columns, started: false }
    }

    /// The bytes for one batch, `[{...},{...}]`.
    pub fn batch(&mut self, batch: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let rows: Vec<&RawValue> = serde_json::from_slice(batch)
            .map_err(|e| ToolError::internal(format!("a batch of {} is not a JSON array: {e}", self.table)))?;
        let first = !self.started;
        self.started = true;
        match self.format {
            Format::Ndjson => {
                for row in rows {
                    out.extend_from_slice(row.get().as_bytes());
                    out.push(b'\n');
                }
            }
            Format::Csv => {
                let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
                if first {
                    w.write_record(&self.columns).map_err(csv_error)?;
                }
                for row in rows {
                    let object: serde_json::Map<String, Json> = serde_json::from_str(row.get())
                        .map_err(|e| ToolError::internal(format!("a row of {} is not a JSON object: {e}", self.table)))?;
                    w.write_record(self.columns.iter().map(|c| csv_field(object.get(c)))).map_err(csv_error)?;
                }
                out.extend_from_slice(&w.into_inner().map_err(|e| ToolError::internal(format!("writing CSV: {e}")))?);
            }
            // The host writes the statements from the rows themselves.
            Format::Sql => out.extend_from_slice(batch),
        }
        Ok(())
    }

    /// Whether the host writes this file from rows (`Host::write_sql_rows`).
    pub fn host_writes(&self) -> bool {
        self.format == Format::Sql
    }
}

/// A JSON value as a CSV field: text as it is, NULL as an empty field (what
/// PostgreSQL's CSV COPY reads as NULL), JSON objects as JSON.
fn csv_field(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn csv_error(e: csv::Error) -> ToolError {
    ToolError::internal(format!("writing CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BATCH: &[u8] = br#"[{"tenant_id":"ws","order_id":"mock-00001-0000000000","note":"a, \"b\"","total":12.5,"gone":null},{"tenant_id":"ws","order_id":"mock-00001-0000000001","note":"$rows0$","total":1,"gone":null}]"#;

    fn columns() -> Vec<String> {
        ["tenant_id", "order_id", "note", "total", "gone"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn csv_has_one_header_and_quotes_what_needs_it() {
        let mut e = Encoder::new(Format::Csv, "orders", columns());
        let mut out = Vec::new();
        e.batch(BATCH, &mut out).unwrap();
        e.batch(BATCH, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["tenant_id", "order_id", "note", "total", "gone"]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 4, "one header for all batches");
        assert_eq!(&records[0][2], "a, \"b\"");
        assert_eq!((&records[0][3], &records[0][4]), ("12.5", ""));
    }

    #[test]
    fn ndjson_is_one_row_a_line() {
        let mut out = Vec::new();
        Encoder::new(Format::Ndjson, "orders", columns()).batch(BATCH, &mut out).unwrap();
        let lines: Vec<Json> = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["order_id"], "mock-00001-0000000001");
    }

    #[test]
    fn sql_batches_go_to_the_host_as_they_are() {
        let mut e = Encoder::new(Format::Sql, "dm_orders_shopify", columns());
        let mut out = Vec::new();
        e.batch(BATCH, &mut out).unwrap();
        assert_eq!(out, BATCH);
        assert!(e.host_writes() && !Encoder::new(Format::Csv, "t", columns()).host_writes());
        assert_eq!(file_name(3, "dm_orders_shopify", Format::Sql), "03-dm_orders_shopify.sql");
        assert!(Format::parse("xml").is_err());
    }
}
