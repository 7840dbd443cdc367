//! Removing runs' rows (clean, rollback) with several deletes in flight.
//!
//! Each table's rows go in chunks of key ranges (at most `MAX_CHUNK` rows,
//! well inside a statement timeout; a large table in at least `SPLIT`
//! chunks, so that it is not one long statement); the chunks of one table
//! go together. A
//! table starts only once every table referencing it is empty (the tool's
//! own references and the warehouse's foreign keys), so children always go
//! before parents, while tables that do not depend on each other (order
//! lines and pixel events, or two platforms) go side by side. Every delete
//! is scoped to the workspace and to the run's marked keys (`runs::filters`).

use std::collections::{HashMap, VecDeque};

use crate::core::keys::{RunId, Scope};
use crate::error::{Result, ToolError};
use crate::model::plan::ColumnPlan;
use crate::model::table::{FieldKind, TableSpec};
use crate::service::census::{Census, TableCensus};
use crate::service::foreign_keys::{ForeignKey, unindexed_warnings};
use crate::service::runs::{RunRows, filters};
use crate::service::survey::census_and_keys;
use crate::service::{Host, LogLevel, thousands};
use crate::supabase::client::{Client, range_total};
use crate::supabase::errors::{from_response, retryable_status};
use crate::supabase::transport::{Request, Ticket, Transport};

/// Rows per delete request at most: well inside Supabase's 8 s statement
/// timeout.
const MAX_CHUNK: u64 = 20_000;
/// A table of more than `SPLIT` x `MIN_CHUNK` rows goes in at least `SPLIT`
/// chunks (the database works on them side by side); none is smaller than
/// `MIN_CHUNK` rows (each request costs a round trip).
const SPLIT: u64 = 4;
const MIN_CHUNK: u64 = 5_000;
/// Deletes in flight at most: enough to hide a distant link's round trips,
/// few enough not to crowd the database.
const IN_FLIGHT: usize = 8;

/// One delete: a key range of one run in one table.
struct Chunk {
    table: usize,
    doing: String,
    request: Request,
    /// Rows it removes, as far as the census knows (the server may say).
    expected: u64,
}

/// Per table state.
struct Table {
    spec: &'static TableSpec,
    /// Tables (indexes) that must be empty before this one starts.
    after: Vec<usize>,
    /// Rows to remove, from the census.
    total: u64,
    removed: u64,
    /// Chunks not yet answered; None until the table starts.
    open: Option<usize>,
    /// A table referencing itself: its chunks go one at a time, in order,
    /// as they always did.
    one_at_a_time: bool,
}

/// Removes `run`'s rows (every run's when None) from `tables` (given parents
/// first); `census` says what each table holds, `keys` the warehouse's
/// foreign keys (None if they could not be read: then tables go one at a
/// time, children first). Returns the rows removed per table, in the order
/// given.
#[allow(clippy::too_many_arguments)]
pub fn remove<T: Transport>(
    client: &mut Client<T>,
    host: &mut dyn Host,
    tables: &[&'static TableSpec],
    plans: &HashMap<&'static str, ColumnPlan>,
    census: &Census,
    keys: Option<&[ForeignKey]>,
    run: Option<RunId>,
    ws: &str,
) -> Result<Vec<(&'static TableSpec, u64)>> {
    let mut state: Vec<Table> = tables
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let runs = runs_of(census.get(spec.name), run);
            Table {
                spec,
                after: referencing(tables, i, keys),
                total: runs.iter().map(|(_, r)| r.rows).sum(),
                removed: 0,
                open: None,
                one_at_a_time: spec.fields.iter().any(|f| f.kind == FieldKind::Ref { owner: spec.name })
                    || keys.is_some_and(|k| k.iter().any(|k| k.child == spec.name && k.parent == spec.name)),
            }
        })
        .collect();
    let mut in_flight: HashMap<Ticket, Chunk> = HashMap::new();
    let outcome = run_deletes(client, host, &mut state, &mut in_flight, plans, census, run, ws);
    if outcome.is_err() {
        // Nothing may land after the error is reported: wait out the rest.
        while !in_flight.is_empty() {
            let (ticket, _) = client.transport.wait_any();
            in_flight.remove(&ticket);
        }
    }
    outcome?;
    Ok(state.into_iter().map(|t| (t.spec, t.removed)).collect())
}

/// The deletes, children before parents, until every table is empty or a
/// delete fails for good.
#[allow(clippy::too_many_arguments)]
fn run_deletes<T: Transport>(
    client: &mut Client<T>,
    host: &mut dyn Host,
    state: &mut [Table],
    in_flight: &mut HashMap<Ticket, Chunk>,
    plans: &HashMap<&'static str, ColumnPlan>,
    census: &Census,
    run: Option<RunId>,
    ws: &str,
) -> Result<()> {
    let mut queue: VecDeque<Chunk> = VecDeque::new();
    loop {
        // Start every table whose children are all empty; if none can
        // (foreign keys in a cycle), the last one not started, as the
        // reverse of the generation order would.
        loop {
            let ready: Vec<usize> =
                (0..state.len()).filter(|&i| state[i].open.is_none() && state[i].after.iter().all(|&j| state[j].open == Some(0))).collect();
            let ready = match ready.is_empty() && queue.is_empty() && in_flight.is_empty() {
                true => (0..state.len()).rev().find(|&i| state[i].open.is_none()).into_iter().collect(),
                false => ready,
            };
            if ready.is_empty() {
                break;
            }
            for i in ready {
                let chunks = match plans.get(state[i].spec.name) {
                    Some(plan) => chunks(client, i, plan, ws, &runs_of(census.get(state[i].spec.name), run))?,
                    None => Vec::new(),
                };
                state[i].open = Some(chunks.len());
                queue.extend(chunks);
            }
        }
        if queue.is_empty() && in_flight.is_empty() {
            return Ok(());
        }
        while in_flight.len() < IN_FLIGHT
            && let Some(i) = queue.iter().position(|c| !state[c.table].one_at_a_time || !in_flight.values().any(|f| f.table == c.table))
        {
            let chunk = queue.remove(i).expect("a position in the queue");
            match client.transport.start(&chunk.request) {
                Ok(ticket) => {
                    in_flight.insert(ticket, chunk);
                }
                // Could not start: alone, with the usual retries.
                Err(_) => {
                    let answer = client.execute(&chunk.doing, &chunk.request);
                    landed(state, host, chunk, answer.map(|r| range_total(&r)))?;
                }
            }
        }
        if in_flight.is_empty() {
            continue;
        }
        let (ticket, result) = client.transport.wait_any();
        let Some(chunk) = in_flight.remove(&ticket) else { continue };
        let answer = match result {
            Ok(r) if r.ok() => Ok(range_total(&r)),
            Ok(r) if !retryable_status(r.status) => Err(from_response(&chunk.doing, client.environment(), &r)),
            // Transient: again, alone, with backoff (`Client::execute`).
            _ => client.execute(&chunk.doing, &chunk.request).map(|r| range_total(&r)),
        };
        landed(state, host, chunk, answer)?;
    }
}

/// A failed run's rollback: the census of `run` in the tables it wrote and
/// the foreign keys (one round trip), then `remove`; unindexed foreign keys
/// that made it slow are added to `warnings`. Returns the rows removed.
pub fn roll_back<T: Transport>(
    client: &mut Client<T>,
    host: &mut dyn Host,
    plans: &HashMap<&'static str, ColumnPlan>,
    written: &[&'static TableSpec],
    ws: &str,
    run: RunId,
    warnings: &mut Vec<String>,
) -> Result<u64> {
    host.log(LogLevel::Warn, &format!("rolling back run {run}: removing its rows, children first"));
    let (census, keys) = census_and_keys(client, plans, written, ws, Scope::Run(run))?;
    let removed = remove(client, host, written, plans, &census, keys.as_deref(), Some(run), ws)?;
    let emptied: Vec<(&str, u64)> = removed.iter().map(|(spec, rows)| (spec.name, *rows)).collect();
    warnings.extend(unindexed_warnings(keys.as_deref().unwrap_or_default(), &emptied));
    Ok(emptied.iter().map(|(_, n)| n).sum())
}

/// The runs to remove from a table, from its census.
fn runs_of(census: Option<&TableCensus>, run: Option<RunId>) -> Vec<(RunId, RunRows)> {
    census
        .into_iter()
        .flat_map(|c| c.runs.iter())
        .filter(|(r, _)| run.is_none_or(|only| **r == only))
        .map(|(r, rows)| (*r, rows.clone()))
        .collect()
}

/// The tables (indexes) that reference `tables[i]` and so must be emptied
/// before it: through the tool's own references and the warehouse's
/// foreign keys; without the latter, every table after it.
fn referencing(tables: &[&'static TableSpec], i: usize, keys: Option<&[ForeignKey]>) -> Vec<usize> {
    let parent = tables[i].name;
    (0..tables.len())
        .filter(|&j| j != i)
        .filter(|&j| match keys {
            None => j > i,
            Some(keys) => {
                tables[j].fields.iter().any(|f| f.kind == FieldKind::Ref { owner: parent })
                    || keys.iter().any(|k| k.child == tables[j].name && k.parent == parent)
            }
        })
        .collect()
}

/// One table's deletes: per run, key ranges of `chunk_rows` rows or so;
/// the last range is open above, so rows written with higher keys while
/// deleting go too.
fn chunks<T: Transport>(client: &Client<T>, table: usize, plan: &ColumnPlan, ws: &str, runs: &[(RunId, RunRows)]) -> Result<Vec<Chunk>> {
    let mut out = Vec::new();
    for (run, r) in runs {
        let scope = Scope::Run(*run);
        let Some(max_seq) = r.max_seq.filter(|_| r.rows > 0) else {
            let (doing, request) = client.delete_request(plan.spec.name, &filters(plan, ws, scope, None))?;
            out.push(Chunk { table, doing, request, expected: r.rows });
            continue;
        };
        // Several rows can share a marker (a keyword's daily rows): size chunks by rows.
        let keys = max_seq + 1;
        let step = (chunk_rows(r.rows) * keys / r.rows).max(1);
        let mut lo = 0;
        while lo <= max_seq {
            let last = lo.saturating_add(step) > max_seq;
            let hi = if last { plan.marker_kind.seq_limit() } else { lo + step };
            let share = |seq: u64| r.rows * seq.min(keys) / keys;
            let (doing, request) = client.delete_request(plan.spec.name, &filters(plan, ws, scope, Some((lo, hi))))?;
            out.push(Chunk { table, doing, request, expected: share(hi) - share(lo) });
            lo = hi;
        }
    }
    Ok(out)
}

/// Rows per delete for a run of `rows` rows in one table.
fn chunk_rows(rows: u64) -> u64 {
    rows.div_ceil(SPLIT).clamp(MIN_CHUNK, MAX_CHUNK)
}

/// A chunk's answer: the rows it removed (the server's figure, else the
/// census's), progress, and the table's end.
fn landed(state: &mut [Table], host: &mut dyn Host, chunk: Chunk, answer: Result<Option<u64>>) -> Result<()> {
    let rows = answer?.unwrap_or(chunk.expected);
    let t = &mut state[chunk.table];
    t.removed += rows;
    let name = t.spec.qualified();
    host.progress(&name, t.removed.min(t.total), t.total);
    let open = t.open.as_mut().ok_or_else(|| ToolError::internal("a delete landed for a table that had not started"))?;
    *open -= 1;
    if *open == 0 && t.removed > 0 {
        host.log(LogLevel::Info, &format!("removed {} rows from {name}", thousands(t.removed)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time::Seconds;
    use crate::model::layout;
    use crate::platforms::Platform;
    use crate::platforms::shopify::SHOPIFY;
    use crate::service::Connection;
    use crate::supabase::transport::{FakeTransport, Method, response};

    #[derive(Default)]
    struct Recorder {
        progress: Vec<(String, u64, u64)>,
        logs: Vec<String>,
    }

    impl Host for Recorder {
        fn connection(&mut self, _: Option<&str>) -> Result<Connection> {
            Err(ToolError::internal("not in this test"))
        }
        fn progress(&mut self, table: &str, done: u64, total: u64) {
            self.progress.push((table.to_string(), done, total));
        }
        fn log(&mut self, _: LogLevel, message: &str) {
            self.logs.push(message.to_string());
        }
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

    fn shopify() -> (Vec<&'static TableSpec>, HashMap<&'static str, ColumnPlan>) {
        let tables: Vec<&'static TableSpec> = SHOPIFY.tables().to_vec();
        let mut kinds = HashMap::new();
        let mut plans = HashMap::new();
        for spec in &tables {
            let plan = ColumnPlan::for_reading(spec, &layout::columns(spec.name), &kinds).unwrap();
            kinds.insert(spec.name, plan.marker_kind);
            plans.insert(spec.name, plan);
        }
        (tables, plans)
    }

    fn census(rows: &[(&'static str, u32, u64, u64)]) -> Census {
        let mut out = Census::new();
        for &(table, run, n, max_seq) in rows {
            let c = out.entry(table).or_default();
            c.generated += n;
            c.runs.insert(RunId::new(run).unwrap(), RunRows { rows: n, max_seq: Some(max_seq), ..RunRows::default() });
        }
        out
    }

    fn deletes(c: &Client<impl Transport>, seen: &[crate::supabase::transport::Request]) -> Vec<String> {
        let _ = c;
        seen.iter().filter(|r| r.method == Method::Delete).map(|r| r.url.clone()).collect()
    }

    #[test]
    fn deletes_are_scoped_to_workspace_and_run_chunked_and_counted() {
        let (tables, plans) = shopify();
        let cen = census(&[("dm_orders_shopify", 3, 45_000, 44_999), ("dm_orders_shopify", 4, 10, 9)]);
        let mut c = Client::new(FakeTransport::new(|_| Ok(response(204, ""))), "http://h", "local");
        let mut host = Recorder::default();
        let only = RunId::new(3);
        let removed = remove(&mut c, &mut host, &tables, &plans, &cen, Some(&[]), only, "ws").unwrap();
        assert_eq!(removed.iter().map(|(_, n)| n).sum::<u64>(), 45_000, "only run 3, counted from the census");
        let urls = deletes(&c, &c.transport.seen);
        assert_eq!(urls.len(), 4, "{urls:?}");
        for url in &urls {
            assert!(url.contains("/dm_orders_shopify?tenant_id=eq.ws&"), "{url}");
            assert!(url.contains("order_id=match.%5Emock-00003-%5B0-9%5D%7B10%7D%24"), "{url}");
        }
        assert!(urls[0].contains("gte.mock-00003-0000000000") && urls[0].contains("lt.mock-00003-0000011250"), "{}", urls[0]);
        assert!(
            urls[3].contains("gte.mock-00003-0000033750") && urls[3].contains("lte.mock-00003-9999999999"),
            "the last range is open above: {}",
            urls[3]
        );
        assert_eq!(host.progress.last(), Some(&("semantic.dm_orders_shopify".to_string(), 45_000, 45_000)));
        assert!(c.transport.seen.iter().all(|r| r.header_value("prefer") == Some("return=minimal,count=exact")));
    }

    #[test]
    fn large_tables_split_small_ones_do_not_and_no_chunk_is_too_large() {
        assert_eq!(chunk_rows(3_000), 5_000, "one request");
        assert_eq!(chunk_rows(20_000), 5_000, "four at once");
        assert_eq!(chunk_rows(44_000), 11_000);
        assert_eq!(chunk_rows(2_400_000), 20_000);
    }

    #[test]
    fn the_servers_count_wins_when_it_gives_one() {
        let (tables, plans) = shopify();
        let cen = census(&[("dm_orders_shopify", 3, 100, 99)]);
        let answer = |_: &crate::supabase::transport::Request| {
            let mut r = response(204, "");
            r.headers.push(("Content-Range".into(), "*/101".into()));
            Ok(r)
        };
        let mut c = Client::new(FakeTransport::new(answer), "http://h", "local");
        let removed = remove(&mut c, &mut Recorder::default(), &tables, &plans, &cen, Some(&[]), None, "ws").unwrap();
        assert_eq!(removed[4].1, 101, "a row written while deleting, with a higher key, went too");
    }

    #[test]
    fn children_go_before_parents_and_independent_tables_together() {
        let (tables, plans) = shopify();
        let all: Vec<(&'static str, u32, u64, u64)> = tables.iter().map(|t| (t.name, 5, 10, 9)).collect();
        let cen = census(&all);
        let mut c = Client::new(FakeTransport::new(|_| Ok(response(204, ""))), "http://h", "local");
        let mut host = Recorder::default();
        remove(&mut c, &mut host, &tables, &plans, &cen, Some(&[]), None, "ws").unwrap();
        let order: Vec<String> = deletes(&c, &c.transport.seen).iter().map(|u| u[9..].split('?').next().unwrap().to_string()).collect();
        let at = |t: &str| order.iter().position(|o| o == t).unwrap_or_else(|| panic!("{t} in {order:?}"));
        // Every table that references another is emptied before it.
        for (j, child) in tables.iter().enumerate() {
            for f in child.fields {
                if let FieldKind::Ref { owner } = f.kind {
                    assert!(at(child.name) < at(owner), "{} before {owner}: {order:?}", tables[j].name);
                }
            }
        }
        let leaves = ["dm_shop_info_shopify", "dm_order_items_shopify", "dm_shopify_pixel_events"];
        assert!(leaves.iter().all(|t| at(t) < 3), "what nothing references starts at once: {order:?}");
        assert_eq!(host.logs.len(), 7, "one line per table: {:?}", host.logs);
    }

    #[test]
    fn warehouse_foreign_keys_order_deletes_too_and_unknown_keys_mean_one_table_at_a_time() {
        let (tables, plans) = shopify();
        let all: Vec<(&'static str, u32, u64, u64)> = tables.iter().map(|t| (t.name, 5, 10, 9)).collect();
        let cen = census(&all);
        let order = |keys: Option<&[ForeignKey]>| {
            let mut c = Client::new(FakeTransport::new(|_| Ok(response(204, ""))), "http://h", "local");
            remove(&mut c, &mut Recorder::default(), &tables, &plans, &cen, keys, None, "ws").unwrap();
            deletes(&c, &c.transport.seen).iter().map(|u| u[9..].split('?').next().unwrap().to_string()).collect::<Vec<_>>()
        };
        // A key the tool does not know: the shop's row is referenced by the events.
        let fk = ForeignKey {
            name: "events_shop".into(),
            child: "dm_shopify_pixel_events".into(),
            parent: "dm_shop_info_shopify".into(),
            columns: vec!["tenant_id".into()],
            indexed: true,
        };
        let with_key = order(Some(std::slice::from_ref(&fk)));
        let pos = |o: &[String], t: &str| o.iter().position(|x| x == t).unwrap();
        assert!(pos(&with_key, "dm_shopify_pixel_events") < pos(&with_key, "dm_shop_info_shopify"), "{with_key:?}");
        let blind = order(None);
        let mut reversed: Vec<String> = tables.iter().rev().map(|t| t.name.to_string()).collect();
        reversed.dedup();
        assert_eq!(blind, reversed, "the reverse of the generation order, one table at a time");
    }

    #[test]
    fn a_refused_delete_stops_after_the_others_are_in() {
        let (tables, plans) = shopify();
        let cen = census(&[("dm_order_items_shopify", 5, 60_000, 59_999), ("dm_orders_shopify", 5, 10, 9)]);
        let mut calls = 0;
        let t = FakeTransport::new(move |_| {
            calls += 1;
            Ok(if calls == 1 { response(409, r#"{"code":"23503","message":"still referenced"}"#) } else { response(204, "") })
        });
        let mut c = Client::new(t, "http://h", "local");
        let e = remove(&mut c, &mut Recorder::default(), &tables, &plans, &cen, Some(&[]), None, "ws").unwrap_err();
        assert!(e.message.contains("23503"), "{}", e.message);
        assert_eq!(c.transport.pending(), 0, "nothing left in flight");
        assert!(deletes(&c, &c.transport.seen).iter().all(|u| !u.contains("/dm_orders_shopify?")), "the parent was not touched");
    }
}
