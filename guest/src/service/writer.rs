//! Streams a run's tables into batches and the batches into the warehouse
//! (or files). Tables follow one another without a pause: a batch waits only
//! for the parent rows it references (see `Inserter`). Tables a generation
//! drafts from the same units (a store's orders, line items and pixel
//! events) are streamed together, round by round, so that each unit is
//! drafted once (see `Rounds`).

use std::collections::HashMap;

use crate::api::types::{GenerateRequest, Sample, TableResult};
use crate::core::keys::RunId;
use crate::error::{Result, ToolError};
use crate::model::plan::ColumnPlan;
use crate::model::row::{Row, Value};
use crate::model::table::{FieldKind, TableSpec};
use crate::platforms::Generation;
use crate::service::files::{Encoder, Format, file_name};
use crate::service::{Connection, Host, LogLevel, thousands};
use crate::supabase::inserter::{Inserter, Needs};
use crate::supabase::transport::Transport;

/// Rows of each table shown with a dry run's result.
const SAMPLE_ROWS: usize = 3;

/// Units (orders) per round, in batches: enough for the rows of several
/// batches of each table to be in flight while the next round is drafted.
const ROUND_BATCHES: u64 = 4;

/// Units (orders) a round drafts, for batches of `batch` rows.
pub fn round_units(batch: u32) -> u64 {
    u64::from(batch) * ROUND_BATCHES
}

/// `specs` (a platform's tables, in order) in the steps they stream in: a
/// table a step, but the tables of `together` (a generation's) in one step
/// where they follow one another and none waits for a whole parent of the
/// group (it could not go before the group ends).
pub fn steps(
    specs: &[&'static TableSpec],
    together: &[&'static TableSpec],
    barriers: &HashMap<&'static str, Vec<&'static str>>,
) -> Vec<Vec<&'static TableSpec>> {
    let together: Vec<&'static TableSpec> = together.iter().copied().filter(|t| specs.iter().any(|s| std::ptr::eq(*s, *t))).collect();
    let first = specs.iter().position(|s| together.first().is_some_and(|t| std::ptr::eq(*s, *t)));
    let grouped = together.len() > 1
        && first
            .and_then(|at| specs.get(at..at + together.len()))
            .is_some_and(|run| run.iter().zip(&together).all(|(s, t)| std::ptr::eq(*s, *t)))
        && !together.iter().any(|t| barriers.get(t.name).is_some_and(|whole| together.iter().any(|p| whole.contains(&p.name))));
    let mut steps = Vec::new();
    let mut at = 0;
    while at < specs.len() {
        if grouped && Some(at) == first {
            steps.push(together.clone());
            at += together.len();
        } else {
            steps.push(vec![specs[at]]);
            at += 1;
        }
    }
    steps
}

/// A failure, and the table whose write (or generation) failed.
pub type Failure = (String, ToolError);

pub struct Writer<'a, 'c, T: Transport> {
    /// None for a dry run or files.
    pub inserter: Option<Inserter<'c, T>>,
    host: &'a mut dyn Host,
    plans: &'a HashMap<&'static str, ColumnPlan>,
    run: RunId,
    batch: u32,
    req: &'a GenerateRequest,
    /// Files instead of the warehouse.
    files: Option<Format>,
    /// Tables whose batches wait for whole parent tables (`waits_beyond_references`).
    barriers: HashMap<&'static str, Vec<&'static str>>,
    /// The workspace id as JSON.
    tenant: Vec<u8>,
    /// Files opened so far (their names count in load order).
    files_written: usize,
    pub samples: Vec<Sample>,
    /// Tables this run may have written to, in order.
    pub written: Vec<&'static TableSpec>,
    /// Rows generated and the estimate, by table.
    tables: HashMap<&'static str, Progress>,
}

#[derive(Clone, Copy, Default)]
struct Progress {
    generated: u64,
    estimate: u64,
    landed: u64,
}

/// One table's rows on their way into batches: its open batch, and what the
/// batch's rows reference.
struct TableStream<'p> {
    spec: &'static TableSpec,
    plan: &'p ColumnPlan,
    started: u64,
    /// The field holding the run's own keys.
    own_key: Option<usize>,
    /// Tables the rows reference (`owners`), and through which fields.
    owners: Vec<&'static str>,
    references: Vec<(usize, usize)>,
    /// The highest key of the run each owner's rows are referenced by, in this batch.
    reach: Vec<Option<u64>>,
    /// Tables waited for whole (foreign keys the generator does not model).
    whole_tables: Vec<&'static str>,
    buffer: Vec<u8>,
    in_batch: u64,
    generated: u64,
    /// The lowest key of the run among the batch's rows.
    lowest: u64,
    samples: Vec<String>,
    file: Option<(String, Encoder)>,
    encoded: Vec<u8>,
}

impl TableStream<'_> {
    fn references(&self, table: &str) -> bool {
        self.owners.contains(&table) || self.whole_tables.contains(&table)
    }
}

/// Tells the host how far `table` has landed.
fn report(host: &mut dyn Host, tables: &mut HashMap<&'static str, Progress>, table: &'static str, rows: u64) {
    let p = tables.entry(table).or_default();
    p.landed += rows;
    host.progress(&format!("semantic.{table}"), p.landed, p.estimate.max(p.generated).max(p.landed));
}

impl<'a, 'c, T: Transport> Writer<'a, 'c, T> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        inserter: Option<Inserter<'c, T>>,
        host: &'a mut dyn Host,
        conn: &Connection,
        plans: &'a HashMap<&'static str, ColumnPlan>,
        run: RunId,
        batch: u32,
        req: &'a GenerateRequest,
        files: Option<Format>,
        barriers: HashMap<&'static str, Vec<&'static str>>,
    ) -> Self {
        Writer {
            inserter,
            host,
            plans,
            run,
            batch,
            req,
            files,
            barriers,
            tenant: serde_json::to_vec(&conn.workspace_id).expect("strings serialise"),
            files_written: 0,
            samples: Vec::new(),
            written: Vec::new(),
            tables: HashMap::new(),
        }
    }

    /// Streams `specs`, a platform's tables in order (those with a plan),
    /// adding each to `tried` as it starts. The last batches may still be in
    /// flight when it returns.
    pub fn tables(
        &mut self,
        g: &dyn Generation,
        specs: &[&'static TableSpec],
        tried: &mut Vec<&'static TableSpec>,
    ) -> std::result::Result<(), Failure> {
        for step in steps(specs, &g.together(), &self.barriers) {
            tried.extend(&step);
            match step[..] {
                [spec] => self.table(g, spec)?,
                _ => self.together(g, &step)?,
            }
        }
        Ok(())
    }

    fn table(&mut self, g: &dyn Generation, spec: &'static TableSpec) -> std::result::Result<(), Failure> {
        let mut stream = self.open(g, spec);
        let streamed = g.stream(spec, &mut |row| self.push(&mut stream, row));
        self.close(vec![stream], streamed, 0)
    }

    /// Streams `specs` (a generation's `together`, in order) round by round.
    fn together(&mut self, g: &dyn Generation, specs: &[&'static TableSpec]) -> std::result::Result<(), Failure> {
        let mut streams: Vec<TableStream> = specs.iter().map(|spec| self.open(g, spec)).collect();
        // A round gives each table's rows in turn. When a table's rows
        // start, the open batches of the tables it references are sent
        // first: its rows reference their rows of the same round.
        let parents: Vec<Vec<usize>> =
            streams.iter().map(|child| (0..streams.len()).filter(|&p| child.references(streams[p].spec.name)).collect()).collect();
        let mut current = 0;
        let units = round_units(self.batch);
        let streamed = match g.rounds(specs) {
            None => Err(ToolError::internal(format!("{} cannot stream its tables together", specs[0].qualified()))),
            Some(mut rounds) => loop {
                let more = rounds.next(units, &mut |i, row| {
                    if i != current {
                        current = i;
                        for &p in &parents[i] {
                            self.flush(&mut streams[p])?;
                        }
                    }
                    self.push(&mut streams[i], row)
                });
                match more {
                    Ok(true) => {}
                    done => break done.map(|_| ()),
                }
            },
        };
        self.close(streams, streamed, current)
    }

    fn open(&mut self, g: &dyn Generation, spec: &'static TableSpec) -> TableStream<'a> {
        let plan: &'a ColumnPlan = &self.plans[spec.name];
        let estimate = g.estimate(spec);
        self.tables.insert(spec.name, Progress { estimate, ..Progress::default() });
        self.host.progress(&spec.qualified(), 0, estimate);
        let file = self.files.map(|format| {
            self.files_written += 1;
            (
                file_name(self.files_written, spec.name, format),
                Encoder::new(format, spec.name, plan.column_names().map(String::from).collect()),
            )
        });
        if self.inserter.is_some() {
            self.written.push(spec);
        }
        let mut owners: Vec<&'static str> = Vec::new();
        let references = spec
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| match f.kind {
                FieldKind::Ref { owner } => {
                    let at = owners.iter().position(|o| *o == owner).unwrap_or_else(|| {
                        owners.push(owner);
                        owners.len() - 1
                    });
                    Some((i, at))
                }
                _ => None,
            })
            .collect();
        let mut buffer = Vec::with_capacity(64 * 1024);
        buffer.push(b'[');
        TableStream {
            spec,
            plan,
            started: self.host.millis(),
            own_key: spec.fields.iter().position(|f| f.kind == FieldKind::Key),
            reach: vec![None; owners.len()],
            owners,
            references,
            whole_tables: self.barriers.get(spec.name).cloned().unwrap_or_default(),
            buffer,
            in_batch: 0,
            generated: 0,
            lowest: u64::MAX,
            samples: Vec::new(),
            file,
            encoded: Vec::new(),
        }
    }

    /// Adds a row to the stream's batch, sending the batch once full.
    fn push(&mut self, s: &mut TableStream, row: &Row) -> Result<()> {
        if s.in_batch > 0 {
            s.buffer.push(b',');
        }
        let start = s.buffer.len();
        s.plan.write_row(row, &self.tenant, self.run, &mut s.buffer)?;
        if self.req.dry_run && s.samples.len() < SAMPLE_ROWS {
            s.samples.push(String::from_utf8_lossy(&s.buffer[start..]).into_owned());
        }
        if let Some(Value::NewKey(seq)) = s.own_key.map(|i| row.get(i)) {
            s.lowest = s.lowest.min(*seq);
        }
        for &(field, owner) in &s.references {
            if let Value::NewKey(seq) = row.get(field) {
                s.reach[owner] = Some(s.reach[owner].map_or(*seq, |r| r.max(*seq)));
            }
        }
        s.in_batch += 1;
        s.generated += 1;
        if s.in_batch == u64::from(self.batch) {
            self.flush(s)?;
        }
        Ok(())
    }

    /// Sends the stream's open batch, if it has rows.
    fn flush(&mut self, s: &mut TableStream) -> Result<()> {
        if s.in_batch == 0 {
            return Ok(());
        }
        let rows = std::mem::take(&mut s.in_batch);
        s.buffer.push(b']');
        let capacity = s.buffer.capacity();
        let body = std::mem::replace(&mut s.buffer, Vec::with_capacity(capacity));
        s.buffer.push(b'[');
        if let Some((path, encoder)) = s.file.as_mut() {
            if encoder.host_writes() {
                self.host.write_sql_rows(path, &body)?;
            } else {
                s.encoded.clear();
                encoder.batch(&body, &mut s.encoded)?;
                self.host.write_output(path, &s.encoded)?;
            }
        }
        let low = std::mem::replace(&mut s.lowest, u64::MAX);
        let needs: Vec<Needs> = s
            .owners
            .iter()
            .zip(s.reach.iter_mut())
            .filter_map(|(table, up_to)| up_to.take().map(|up_to| Needs { table, up_to }))
            .chain(s.whole_tables.iter().map(|table| Needs { table, up_to: u64::MAX }))
            .collect();
        let (host, tables) = (&mut *self.host, &mut self.tables);
        match self.inserter.as_mut() {
            Some(ins) => {
                ins.submit(s.spec.name, body, rows, if low == u64::MAX { 0 } else { low }, &needs, &mut |t, n| report(host, tables, t, n))
            }
            None => {
                report(host, tables, s.spec.name, rows);
                Ok(())
            }
        }
    }

    /// Ends the streams: their last batches go (if streaming went well),
    /// counts and samples kept. On failure, names the
    /// table whose write failed; `current` is the stream that was running.
    fn close(&mut self, streams: Vec<TableStream>, streamed: Result<()>, current: usize) -> std::result::Result<(), Failure> {
        let mut outcome = streamed.map_err(|e| (current, e));
        let names: Vec<String> = streams.iter().map(|s| s.spec.qualified()).collect();
        let together = if streams.len() > 1 { " (streamed together)" } else { "" };
        for (i, mut s) in streams.into_iter().enumerate() {
            if outcome.is_ok() {
                outcome = self.flush(&mut s).map_err(|e| (i, e));
            }
            self.tables.entry(s.spec.name).or_default().generated = s.generated;
            let took = self.host.millis().saturating_sub(s.started);
            self.host.log(LogLevel::Debug, &format!("{}: {} rows in {took} ms{together}", names[i], thousands(s.generated)));
            if self.req.dry_run && !s.samples.is_empty() {
                self.samples.push(Sample { table: names[i].clone(), rows_json: format!("[{}]", s.samples.join(",")) });
            }
        }
        outcome.map_err(|(i, e)| {
            // A batch of an earlier table may be the one that failed.
            let failed = self.inserter.as_ref().and_then(|ins| ins.failed).map_or_else(|| names[i].clone(), |t| format!("semantic.{t}"));
            (failed, e)
        })
    }

    /// Waits for the batches still held or in flight (after a failure, sends
    /// no more).
    pub fn finish(&mut self, failed: bool) -> std::result::Result<(), Failure> {
        let (host, tables) = (&mut *self.host, &mut self.tables);
        let Some(ins) = self.inserter.as_mut() else { return Ok(()) };
        if failed {
            ins.drop_held();
        }
        let result = ins.finish(&mut |t, n| report(host, tables, t, n));
        for note in ins.client_notes() {
            host.log(LogLevel::Debug, &note);
        }
        result.map_err(|e| (ins.failed.map_or_else(String::new, |t| format!("semantic.{t}")), e))
    }

    /// What landed of `spec` (everything generated, for a dry run or files).
    pub fn result(&mut self, spec: &TableSpec) -> TableResult {
        let p = self.tables.get(spec.name).copied().unwrap_or_default();
        let inserted = self.inserter.as_ref().map_or(p.generated, |ins| ins.inserted(spec.name));
        // The last batches land after streaming: finish the bar.
        self.host.progress(&spec.qualified(), inserted, inserted.max(p.generated));
        TableResult { table: spec.qualified(), inserted, failed: p.generated.saturating_sub(inserted) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time::Seconds;
    use crate::platforms::shopify::SHOPIFY;
    use crate::platforms::{Platform, testkit};
    use crate::supabase::client::Client;
    use crate::supabase::inserter::Conflict;
    use crate::supabase::transport::{FakeTransport, response};
    use crate::supabase::window::Window;

    struct Quiet;

    impl Host for Quiet {
        fn connection(&mut self, _: Option<&str>) -> Result<Connection> {
            Err(ToolError::internal("not in this test"))
        }
        fn progress(&mut self, _: &str, _: u64, _: u64) {}
        fn log(&mut self, _: LogLevel, _: &str) {}
        fn now(&mut self) -> Seconds {
            0
        }
        fn millis(&mut self) -> u64 {
            0
        }
        fn fresh_seed(&mut self) -> u64 {
            0
        }
        fn write_output(&mut self, _: &str, _: &[u8]) -> Result<()> {
            Ok(())
        }
        fn write_sql_rows(&mut self, _: &str, _: &[u8]) -> Result<()> {
            Ok(())
        }
    }

    /// The tables of the insert requests a shopify run of 9,000 orders (three
    /// rounds) sends, in order, with `barriers`; and the rows each table got.
    fn sent(barriers: HashMap<&'static str, Vec<&'static str>>) -> (Vec<String>, HashMap<&'static str, u64>) {
        let plans = testkit::plans(&SHOPIFY, "text");
        let g = testkit::generation(&SHOPIFY, 3, 9000, &plans);
        let mut client = Client::new(FakeTransport::new(|_| Ok(response(201, ""))), "http://h", "local");
        let conn = Connection { environment: "local".into(), rest_url: "http://h".into(), workspace_id: "ws".into(), production: false };
        let req = GenerateRequest::new("shopify");
        let mut host = Quiet;
        let inserter = Inserter::new(&mut client, Conflict::Fail, Window::new(16));
        let mut writer = Writer::new(Some(inserter), &mut host, &conn, &plans, RunId::new(7).unwrap(), 1000, &req, None, barriers);
        let mut tried = Vec::new();
        writer.tables(g.as_ref(), SHOPIFY.tables(), &mut tried).unwrap();
        writer.finish(false).unwrap();
        assert_eq!(tried.len(), SHOPIFY.tables().len());
        let inserted = SHOPIFY.tables().iter().map(|t| (t.name, writer.result(t).inserted)).collect();
        drop(writer);
        let tables = client.transport.seen.iter().map(|r| r.url.rsplit('/').next().unwrap_or_default().to_string()).collect();
        (tables, inserted)
    }

    #[test]
    fn orders_lines_and_events_go_together_unless_one_waits_for_a_whole_parent() {
        let (together, rows) = sent(HashMap::new());
        let at = |tables: &[String], name: &str| tables.iter().position(|t| t == name).unwrap();
        let last = |tables: &[String], name: &str| tables.iter().rposition(|t| t == name).unwrap();
        // Rounds: lines and events start before the last order batch.
        assert!(at(&together, "dm_order_items_shopify") < last(&together, "dm_orders_shopify"), "{together:?}");
        assert!(at(&together, "dm_shopify_pixel_events") < last(&together, "dm_orders_shopify"), "{together:?}");
        // A line batch waiting for the whole orders table: table by table.
        let (alone, same) = sent(HashMap::from([("dm_order_items_shopify", vec!["dm_orders_shopify"])]));
        assert!(last(&alone, "dm_orders_shopify") < at(&alone, "dm_order_items_shopify"), "{alone:?}");
        assert_eq!(rows, same, "the same rows either way");
        assert_eq!(rows["dm_orders_shopify"], 9000);
    }
}
