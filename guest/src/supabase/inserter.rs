//! Bulk inserts with several requests in flight.
//!
//! Each batch is one request and one transaction (it lands whole or not at
//! all). A transient failure is retried with backoff; a retried batch asks
//! PostgREST to ignore duplicates, so that a batch which did land before its
//! response was lost is not inserted twice. Before an error is returned,
//! everything still in flight is waited for, so that nothing lands after a
//! rollback has started.

use std::collections::{HashMap, VecDeque};

use crate::error::{Result, ToolError};
use crate::supabase::client::{Client, MAX_RETRIES};
use crate::supabase::errors::{backoff_ms, from_response, from_transport, retryable_status};
use crate::supabase::transport::{Request, Ticket, Transport, TransportError};
use crate::supabase::window::Window;

/// What to do when a generated row's key already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// Keep the existing row.
    Skip,
    /// Overwrite it (it can only be this tool's: keys are run-marked).
    Update,
    /// Stop the run.
    Fail,
}

impl Conflict {
    fn resolution(self, retry: bool) -> Option<&'static str> {
        match self {
            Conflict::Update => Some("merge-duplicates"),
            Conflict::Skip => Some("ignore-duplicates"),
            Conflict::Fail if retry => Some("ignore-duplicates"),
            Conflict::Fail => None,
        }
    }
}

struct Batch {
    table: &'static str,
    request: Request,
    rows: u64,
    /// The lowest sequence number of the run's keys among its rows (0 when
    /// unknown): rows that reference a key at or above it wait for it.
    lowest: u64,
    /// Parent rows that must land before it is sent.
    needs: Vec<Needs>,
    attempt: u32,
}

/// Batches held back at most, beyond those in flight: a held batch costs
/// its body's memory (about half a megabyte for 1,000 rows).
const MAX_HELD: usize = 8;

/// A key of the run in `table` (its sequence number) that a batch's rows
/// reference: the batch waits until every batch of `table` that may hold it
/// has landed, so a foreign key never meets a row that is still in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needs {
    pub table: &'static str,
    pub up_to: u64,
}

/// The run's insert requests, across tables: a child table's batches start
/// while its parents' last batches are still in flight, as soon as the rows
/// they reference have landed (pipelining instead of a pause per table).
pub struct Inserter<'c, T: Transport> {
    client: &'c mut Client<T>,
    conflict: Conflict,
    /// How many may be in flight (see `window`).
    pub window: Window,
    in_flight: HashMap<Ticket, Batch>,
    /// Batches not sent yet, in the order they came: waiting for parent rows
    /// still in flight, or for room in the window. A ready batch goes ahead
    /// of a waiting one, so a table whose parents are landing does not hold
    /// up an unrelated table behind it.
    held: VecDeque<Batch>,
    /// Rows confirmed inserted (or already present, under skip), by table.
    inserted: HashMap<&'static str, u64>,
    /// The table whose batch failed for good, once one has.
    pub failed: Option<&'static str>,
    /// The most batches in flight at once.
    pub peak_in_flight: usize,
}

impl<'c, T: Transport> Inserter<'c, T> {
    pub fn new(client: &'c mut Client<T>, conflict: Conflict, window: Window) -> Self {
        Inserter {
            client,
            conflict,
            window,
            in_flight: HashMap::new(),
            held: VecDeque::new(),
            inserted: HashMap::new(),
            failed: None,
            peak_in_flight: 0,
        }
    }

    /// The retries noted since last asked (for the debug log).
    pub fn client_notes(&mut self) -> Vec<String> {
        self.client.retried.drain(..).collect()
    }

    /// Rows of `table` confirmed so far.
    pub fn inserted(&self, table: &str) -> u64 {
        self.inserted.get(table).copied().unwrap_or(0)
    }

    /// Sends one batch of `table` (a JSON array of `rows` rows), after the
    /// parent rows it `needs` have landed and once the window has room;
    /// until then it is held, and returns at once unless too many are.
    /// `progress` hears of every batch that lands.
    pub fn submit(
        &mut self,
        table: &'static str,
        body: Vec<u8>,
        rows: u64,
        lowest: u64,
        needs: &[Needs],
        progress: &mut dyn FnMut(&'static str, u64),
    ) -> Result<()> {
        let request = self.client.insert_request(table, body, self.conflict.resolution(false));
        self.held.push_back(Batch { table, request, rows, lowest, needs: needs.to_vec(), attempt: 0 });
        self.release(progress)?;
        while self.held.len() > MAX_HELD {
            self.collect_one(progress)?;
            self.release(progress)?;
        }
        Ok(())
    }

    /// Forgets the batches not sent yet (the run failed): their rows count
    /// as not inserted.
    pub fn drop_held(&mut self) {
        self.held.clear();
    }

    /// Sends and waits for every batch still held or in flight.
    pub fn finish(&mut self, progress: &mut dyn FnMut(&'static str, u64)) -> Result<()> {
        loop {
            self.release(progress)?;
            if self.in_flight.is_empty() {
                // Parents are submitted before their children: a held batch
                // always has something in flight to wait for.
                return match self.held.front() {
                    None => Ok(()),
                    Some(b) => Err(ToolError::internal(format!("a batch of semantic.{} waits for rows nothing will send", b.table))),
                };
            }
            self.collect_one(progress)?;
        }
    }

    /// Sends the held batches whose parent rows have landed, oldest first,
    /// while the window has room.
    fn release(&mut self, progress: &mut dyn FnMut(&'static str, u64)) -> Result<()> {
        let mut i = 0;
        while i < self.held.len() && self.in_flight.len() < self.window.limit() {
            if self.waits(i) {
                i += 1;
            } else {
                let batch = self.held.remove(i).expect("an index in range");
                self.start(batch, progress)?;
            }
        }
        Ok(())
    }

    /// Whether held batch `i` references rows that may be in a batch in
    /// flight or held before it.
    fn waits(&self, i: usize) -> bool {
        let holds = |b: &Batch, n: &Needs| b.table == n.table && b.lowest <= n.up_to;
        self.held[i].needs.iter().any(|n| self.in_flight.values().any(|b| holds(b, n)) || self.held.iter().take(i).any(|b| holds(b, n)))
    }

    fn start(&mut self, mut batch: Batch, progress: &mut dyn FnMut(&'static str, u64)) -> Result<()> {
        loop {
            match self.client.transport.start(&batch.request) {
                Ok(ticket) => {
                    self.in_flight.insert(ticket, batch);
                    self.peak_in_flight = self.peak_in_flight.max(self.in_flight.len());
                    return Ok(());
                }
                Err(TransportError::Connection(why)) if batch.attempt < MAX_RETRIES => {
                    batch = self.retry(batch, None, &why);
                }
                Err(e) => return Err(self.fail(batch.table, from_transport(&doing(batch.table), &e), progress)),
            }
        }
    }

    fn retry(&mut self, mut batch: Batch, response: Option<&crate::supabase::transport::Response>, why: &str) -> Batch {
        batch.attempt += 1;
        let wait = backoff_ms(batch.attempt, response);
        self.client.note_retry(&doing(batch.table), wait, why);
        let body = std::mem::take(&mut batch.request.body);
        batch.request = self.client.insert_request(batch.table, body, self.conflict.resolution(true));
        batch
    }

    fn collect_one(&mut self, progress: &mut dyn FnMut(&'static str, u64)) -> Result<()> {
        let (ticket, result) = self.client.transport.wait_any();
        let Some(batch) = self.in_flight.remove(&ticket) else {
            return Err(ToolError::internal("a response arrived for a request that was not sent"));
        };
        match result {
            Ok(r) if r.ok() => {
                *self.inserted.entry(batch.table).or_default() += batch.rows;
                self.window.landed();
                progress(batch.table, batch.rows);
                Ok(())
            }
            Ok(r) if retryable_status(r.status) && batch.attempt < MAX_RETRIES => {
                self.window.pushed_back();
                let why = format!("HTTP {}", r.status);
                let batch = self.retry(batch, Some(&r), &why);
                self.start(batch, progress)
            }
            Ok(r) => {
                let mut e = from_response(&doing(batch.table), self.client.environment(), &r);
                if let Some(target) = batch.request.url.split("on_conflict=").nth(1).filter(|_| e.message.contains("42P10")) {
                    let columns = target.split('&').next().unwrap_or_default().replace("%2C", ", ");
                    e.message.push_str(&format!(" (the conflict target: {columns})"));
                }
                Err(self.fail(batch.table, e, progress))
            }
            Err(TransportError::Connection(why)) if batch.attempt < MAX_RETRIES => {
                self.window.pushed_back();
                let batch = self.retry(batch, None, &why);
                self.start(batch, progress)
            }
            Err(e) => Err(self.fail(batch.table, from_transport(&doing(batch.table), &e), progress)),
        }
    }

    /// Waits out the batches still in flight (counting those that land),
    /// then hands back the error of `table`'s batch.
    fn fail(&mut self, table: &'static str, error: ToolError, progress: &mut dyn FnMut(&'static str, u64)) -> ToolError {
        self.failed.get_or_insert(table);
        self.drop_held();
        while !self.in_flight.is_empty() {
            let (ticket, result) = self.client.transport.wait_any();
            if let (Some(batch), Ok(r)) = (self.in_flight.remove(&ticket), result)
                && r.ok()
            {
                *self.inserted.entry(batch.table).or_default() += batch.rows;
                progress(batch.table, batch.rows);
            }
        }
        error
    }
}

fn doing(table: &str) -> String {
    format!("insert into semantic.{table}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supabase::transport::{FakeTransport, response};

    #[test]
    fn batches_land_and_report_progress() {
        let mut c = Client::new(FakeTransport::new(|_| Ok(response(201, ""))), "http://h", "local");
        let mut seen = 0;
        {
            let mut ins = Inserter::new(&mut c, Conflict::Fail, Window::new(3));
            for _ in 0..10 {
                ins.submit("t", b"[]".to_vec(), 100, 0, &[], &mut |_, n| seen += n).unwrap();
            }
            ins.finish(&mut |_, n| seen += n).unwrap();
            assert_eq!(ins.inserted("t"), 1000);
        }
        assert_eq!(seen, 1000);
        assert_eq!(c.transport.seen.len(), 10);
        assert!(c.transport.seen.iter().all(|r| r.header_value("prefer") == Some("return=minimal")));
    }

    #[test]
    fn a_retried_batch_ignores_duplicates() {
        let mut calls = 0;
        let mut c = Client::new(
            FakeTransport::new(move |_| {
                calls += 1;
                Ok(response(if calls == 2 { 503 } else { 201 }, ""))
            }),
            "http://h",
            "local",
        );
        let mut ins = Inserter::new(&mut c, Conflict::Fail, Window::new(2));
        for _ in 0..3 {
            ins.submit("t", b"[{}]".to_vec(), 1, 0, &[], &mut |_, _| {}).unwrap();
        }
        ins.finish(&mut |_, _| {}).unwrap();
        assert_eq!(ins.inserted("t"), 3);
        let prefers: Vec<_> = c.transport.seen.iter().map(|r| r.header_value("prefer").unwrap().to_string()).collect();
        assert_eq!(prefers.iter().filter(|p| p.contains("ignore-duplicates")).count(), 1, "{prefers:?}");
        assert_eq!(c.transport.seen[3].body, b"[{}]");
    }

    #[test]
    fn push_backs_shrink_the_window_and_every_row_still_lands_once() {
        // One write in five answered 429 (a storm): the run slows down and
        // completes, each batch counted once.
        let mut calls = 0;
        let mut c = Client::new(
            FakeTransport::new(move |_| {
                calls += 1;
                Ok(if calls % 5 == 0 { response(429, "") } else { response(201, "") })
            }),
            "http://h",
            "local",
        );
        let mut ins = Inserter::new(&mut c, Conflict::Fail, Window::new(16));
        for _ in 0..100 {
            ins.submit("t", b"[{}]".to_vec(), 10, 0, &[], &mut |_, _| {}).unwrap();
        }
        ins.finish(&mut |_, _| {}).unwrap();
        assert_eq!(ins.inserted("t"), 1000);
        assert!(ins.window.shrinks >= 10, "{:?}", ins.window);
        assert!(ins.window.limit() < 16, "{:?}", ins.window);
    }

    #[test]
    fn a_refused_batch_stops_after_the_others_are_in() {
        let mut calls = 0;
        let mut c = Client::new(
            FakeTransport::new(move |_| {
                calls += 1;
                Ok(if calls == 1 { response(409, r#"{"code":"23505","message":"duplicate key"}"#) } else { response(201, "") })
            }),
            "http://h",
            "local",
        );
        let mut ins = Inserter::new(&mut c, Conflict::Fail, Window::new(4));
        ins.submit("t", b"[]".to_vec(), 5, 0, &[], &mut |_, _| {}).unwrap();
        ins.submit("u", b"[]".to_vec(), 5, 0, &[], &mut |_, _| {}).unwrap();
        let err = ins.finish(&mut |_, _| {}).unwrap_err();
        assert!(err.message.contains("23505"));
        assert_eq!(ins.failed, Some("t"), "the failure names the table of the refused batch");
        assert_eq!(ins.inserted("u"), 5, "the batch in flight was waited for and counted");
    }

    #[test]
    fn every_insert_names_its_conflict_target() {
        let mut c = Client::new(
            FakeTransport::new(|_| {
                Ok(response(
                    400,
                    r#"{"code":"42P10","message":"there is no unique or exclusion constraint matching the ON CONFLICT specification"}"#,
                ))
            }),
            "http://h",
            "local",
        );
        c.set_conflict_target("t", &["tenant_id".into(), "order_id".into()]);
        let mut ins = Inserter::new(&mut c, Conflict::Skip, Window::new(1));
        ins.submit("t", b"[]".to_vec(), 1, 0, &[], &mut |_, _| {}).unwrap();
        let e = ins.finish(&mut |_, _| {}).unwrap_err();
        assert!(e.message.contains("semantic.t") && e.message.contains("unique constraint"), "{}", e.message);
        assert!(e.message.contains("tenant_id, order_id"), "{}", e.message);
        assert!(c.transport.seen[0].url.ends_with("/t?on_conflict=tenant_id%2Corder_id"), "{}", c.transport.seen[0].url);
    }

    #[test]
    fn a_child_batch_waits_only_for_the_parent_batches_holding_its_keys() {
        let mut c = Client::new(FakeTransport::new(|_| Ok(response(201, ""))), "http://h", "local");
        let mut ins = Inserter::new(&mut c, Conflict::Fail, Window::new(16));
        for _ in 0..14 {
            ins.window.landed(); // past slow start: the window is not what holds batches back here
        }
        let none = &mut |_: &'static str, _: u64| {};
        // Parent batches holding keys 0.., 1000.., 2000.., all in flight.
        for lowest in [0, 1000, 2000] {
            ins.submit("orders", b"[]".to_vec(), 1000, lowest, &[], none).unwrap();
        }
        // Rows of another table wait for nothing.
        ins.submit("customers", b"[]".to_vec(), 10, 0, &[], none).unwrap();
        assert_eq!(ins.in_flight.len(), 4);
        // Lines of orders up to 1500: held until the first two order batches land.
        ins.submit("lines", b"[]".to_vec(), 10, 0, &[Needs { table: "orders", up_to: 1500 }], none).unwrap();
        assert_eq!(ins.held.len(), 1, "held while orders from 0 and from 1000 are in flight");
        // Rows of another table go ahead of the held batch.
        ins.submit("products", b"[]".to_vec(), 10, 0, &[], none).unwrap();
        assert!(ins.in_flight.values().any(|b| b.table == "products"));
        // The fake answers in order: orders from 0 land, then from 1000.
        ins.collect_one(none).unwrap();
        ins.release(none).unwrap();
        assert_eq!(ins.held.len(), 1, "orders from 1000 are still in flight");
        ins.collect_one(none).unwrap();
        ins.release(none).unwrap();
        assert!(ins.held.is_empty());
        let orders: Vec<u64> = ins.in_flight.values().filter(|b| b.table == "orders").map(|b| b.lowest).collect();
        assert_eq!(orders, vec![2000], "the lines went while the batch with keys from 2000 was in flight");
        ins.submit("lines", b"[]".to_vec(), 10, 10, &[Needs { table: "orders", up_to: 2999 }], none).unwrap();
        assert_eq!(ins.held.len(), 1, "these lines wait for the last order batch");
        ins.finish(none).unwrap();
        assert_eq!((ins.inserted("orders"), ins.inserted("lines"), ins.inserted("customers")), (3000, 20, 10));
    }

    #[test]
    fn a_held_parent_holds_its_children_and_too_many_held_wait() {
        let mut c = Client::new(FakeTransport::new(|_| Ok(response(201, ""))), "http://h", "local");
        let mut ins = Inserter::new(&mut c, Conflict::Fail, Window::new(16));
        for _ in 0..14 {
            ins.window.landed();
        }
        let none = &mut |_: &'static str, _: u64| {};
        ins.submit("customers", b"[]".to_vec(), 10, 0, &[], none).unwrap();
        // Orders wait for the customers in flight; their lines, for the held orders.
        ins.submit("orders", b"[]".to_vec(), 10, 0, &[Needs { table: "customers", up_to: 9 }], none).unwrap();
        ins.submit("lines", b"[]".to_vec(), 10, 0, &[Needs { table: "orders", up_to: 9 }], none).unwrap();
        assert_eq!(ins.held.len(), 2);
        assert_eq!(ins.in_flight.len(), 1, "only the customers are sent");
        // More lines than may be held: submit waits until batches land.
        for _ in 0..MAX_HELD {
            ins.submit("lines", b"[]".to_vec(), 10, 0, &[Needs { table: "orders", up_to: 9 }], none).unwrap();
            assert!(ins.held.len() <= MAX_HELD);
        }
        assert_eq!(ins.inserted("customers"), 10, "customers landed to make room");
        ins.finish(none).unwrap();
        assert_eq!((ins.inserted("orders"), ins.inserted("lines")), (10, 10 * (MAX_HELD as u64 + 1)));
        // Every line was sent after the orders it references.
        let sent: Vec<&str> = c.transport.seen.iter().map(|r| r.url.rsplit('/').next().unwrap_or_default()).collect();
        let orders_at = sent.iter().position(|t| *t == "orders").unwrap();
        assert!(sent.iter().enumerate().all(|(i, t)| *t != "lines" || i > orders_at), "{sent:?}");
    }

    #[test]
    fn after_a_failure_held_batches_are_dropped_and_those_in_flight_waited_for() {
        let mut c = Client::new(FakeTransport::new(|_| Ok(response(201, ""))), "http://h", "local");
        let none = &mut |_: &'static str, _: u64| {};
        {
            let mut ins = Inserter::new(&mut c, Conflict::Fail, Window::new(16));
            ins.submit("orders", b"[]".to_vec(), 10, 0, &[], none).unwrap();
            ins.submit("lines", b"[]".to_vec(), 10, 0, &[Needs { table: "orders", up_to: 9 }], none).unwrap();
            assert_eq!((ins.in_flight.len(), ins.held.len()), (1, 1));
            // Generation failed: what was sent lands and is counted (for the
            // rollback), what was held is never sent.
            ins.drop_held();
            ins.finish(none).unwrap();
            assert_eq!((ins.inserted("orders"), ins.inserted("lines")), (10, 0));
        }
        assert_eq!(c.transport.seen.len(), 1, "only the orders were sent");
    }

    #[test]
    fn policies_choose_postgrest_resolutions() {
        assert_eq!(Conflict::Fail.resolution(false), None);
        assert_eq!(Conflict::Skip.resolution(false), Some("ignore-duplicates"));
        assert_eq!(Conflict::Update.resolution(true), Some("merge-duplicates"));
    }
}
