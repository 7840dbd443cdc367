//! MCP progress notifications (`notifications/progress`) for a `tools/call`
//! whose request carries `_meta.progressToken`: the component's progress and
//! log callbacks, turned into what the MCP specification asks for.
//!
//! - `progress` is the number of rows done so far, summed over tables, each
//!   table counted at the highest figure it reported (a rollback's deletes
//!   report on the same tables, and MCP progress must only ever increase);
//!   a notification goes out only when it has grown, except the first.
//! - `total` is the sum of the totals of the tables seen so far (it grows as
//!   the run reaches new tables: the component streams table by table).
//! - `message` is the latest line: a table's figures, or the last info,
//!   warning or error the component logged since the previous notification.
//! - At most one notification per `MIN_GAP` (a million-row run reports
//!   thousands of batches); what was held back goes out at the end, before
//!   the call's answer.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Four a second at most: enough to look alive, little enough for any client.
pub const MIN_GAP: Duration = Duration::from_millis(250);

/// Tables followed at most (the largest run has about thirty).
const MAX_TABLES: usize = 64;

pub type Sink = Box<dyn FnMut(&Value) + Send>;

pub struct Notifier {
    token: Value,
    /// Per table: the highest `done` and `total` it reported.
    tables: Vec<(String, u64, u64)>,
    /// The progress and time of the last notification sent.
    sent: Option<(u64, Instant)>,
    message: Option<String>,
    /// Something changed since the last notification.
    held: bool,
    out: Sink,
}

impl Notifier {
    pub fn new(token: Value, out: Sink) -> Notifier {
        Notifier { token, tables: Vec::new(), sent: None, message: None, held: false, out }
    }

    pub fn progress(&mut self, table: &str, done: u64, total: u64, now: Instant) {
        let name = table.trim_start_matches("semantic.");
        if let Some(t) = self.tables.iter_mut().find(|t| t.0 == name) {
            t.1 = t.1.max(done);
            t.2 = t.2.max(total).max(t.1);
        } else if self.tables.len() < MAX_TABLES {
            // A component naming endless tables is not followed past a few dozen.
            self.tables.push((name.to_string(), done, total.max(done)));
        }
        self.message = Some(format!("{name}: {done} of {total} rows"));
        self.held = true;
        self.maybe_send(now, false);
    }

    /// An info, warning or error line of the component (debug lines stay out).
    pub fn log(&mut self, line: &str, now: Instant) {
        self.message = Some(line.to_string());
        self.held = true;
        self.maybe_send(now, false);
    }

    /// Sends what was held back, if the progress grew since the last one.
    pub fn finish(&mut self, now: Instant) {
        self.maybe_send(now, true);
    }

    fn done(&self) -> (u64, u64) {
        // Saturating: a component may report any figures at all.
        self.tables.iter().fold((0u64, 0u64), |(d, t), row| (d.saturating_add(row.1), t.saturating_add(row.2)))
    }

    fn maybe_send(&mut self, now: Instant, last: bool) {
        let (done, total) = self.done();
        let due = match self.sent {
            None => true,
            Some((before, at)) => self.held && done > before && (last || now.duration_since(at) >= MIN_GAP),
        };
        if !due {
            return;
        }
        let mut params = json!({"progressToken": self.token, "progress": done});
        if total > 0 {
            params["total"] = json!(total);
        }
        if let Some(m) = self.message.take() {
            params["message"] = json!(crate::text::clean(&m));
        }
        (self.out)(&json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": params}));
        self.sent = Some((done, now));
        self.held = false;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn notifier() -> (Notifier, Arc<Mutex<Vec<Value>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        (Notifier::new(json!("tok-1"), Box::new(move |v| sink.lock().unwrap().push(v.clone()))), seen)
    }

    #[test]
    fn progress_grows_at_most_four_times_a_second_and_ends_complete() {
        let (mut n, seen) = notifier();
        let t0 = Instant::now();
        n.log("What the workspace showed: 40 orders", t0);
        n.progress("semantic.dm_orders_shopify", 0, 100, t0 + Duration::from_millis(10));
        for k in 1..=100u64 {
            n.progress("semantic.dm_orders_shopify", k, 100, t0 + Duration::from_millis(10 * k));
        }
        n.progress("semantic.dm_order_items_shopify", 50, 200, t0 + Duration::from_millis(1005));
        n.finish(t0 + Duration::from_millis(1010));
        let seen = seen.lock().unwrap();
        // The first at once, then one per 250 ms of the second, then the rest.
        let progress: Vec<u64> = seen.iter().map(|v| v["params"]["progress"].as_u64().unwrap()).collect();
        assert_eq!(progress, [0, 25, 50, 75, 100, 150], "{seen:?}");
        assert!(progress.windows(2).all(|w| w[0] < w[1]), "MCP progress only increases");
        assert_eq!(seen[0]["method"], "notifications/progress");
        assert_eq!(seen[0]["params"]["progressToken"], "tok-1");
        assert_eq!(seen[0]["params"]["message"], "What the workspace showed: 40 orders");
        assert!(seen[0]["params"].get("total").is_none(), "no table yet, no total");
        let last = &seen[5]["params"];
        assert_eq!((last["total"].as_u64(), last["message"].as_str()), (Some(300), Some("dm_order_items_shopify: 50 of 200 rows")));
    }

    #[test]
    fn huge_figures_do_not_overflow() {
        let (mut n, seen) = notifier();
        let t0 = Instant::now();
        n.progress("a", u64::MAX, u64::MAX, t0);
        n.progress("b", u64::MAX, u64::MAX, t0 + Duration::from_secs(1));
        n.finish(t0 + Duration::from_secs(2));
        assert_eq!(seen.lock().unwrap()[0]["params"]["progress"], u64::MAX);
    }

    #[test]
    fn a_rollback_never_takes_progress_back() {
        let (mut n, seen) = notifier();
        let t0 = Instant::now();
        n.progress("semantic.dm_orders_shopify", 10, 10, t0);
        // Deleting the run's rows reports on the same table from zero again.
        n.log("rolling back semantic.dm_orders_shopify", t0 + Duration::from_secs(1));
        n.progress("semantic.dm_orders_shopify", 3, 10, t0 + Duration::from_secs(2));
        n.finish(t0 + Duration::from_secs(3));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "nothing grew after the first: {seen:?}");
        let numeric = json!(7);
        let mut m = Notifier::new(numeric.clone(), Box::new(|_| {}));
        m.finish(t0);
        assert_eq!(m.token, numeric, "integer tokens are kept as they came");
    }
}
