//! The Supabase REST (PostgREST) operations the tools need: RPC calls,
//! counts, filtered deletes, the highest key in a range, and insert
//! requests. Single requests are retried here; bulk inserts go through
//! `Inserter`, which keeps several in flight.

use std::collections::HashMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value as Json;

use crate::error::{Result, ToolError};
use crate::model::plan::LiveColumn;
use crate::supabase::errors::{backoff_ms, from_response, from_transport, retryable_status};
use crate::supabase::transport::{Method, Request, Response, Transport, TransportError};

/// Retries after the first try (the design: "retry 3x, then fail").
pub const MAX_RETRIES: u32 = 3;
/// Independent reads sent together at most (see `Client::execute_all`).
pub const MAX_TOGETHER: usize = 16;
/// How long one read-only query (`run_select_ws`) may take before its
/// answer starts. Analysis and report queries take well under a second on a
/// million-order store; one that takes this long is waited out no longer
/// (and not sent again): its aspects get defaults and a warning.
pub const SELECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Characters PostgREST filter values may keep as they are.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'*').remove(b':');

/// `column=op.value`, e.g. `order_id=like.mock-00042-*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub column: String,
    pub op: &'static str,
    pub value: String,
}

impl Filter {
    pub fn new(column: &str, op: &'static str, value: impl Into<String>) -> Filter {
        Filter { column: column.to_string(), op, value: value.into() }
    }

    pub fn eq(column: &str, value: &str) -> Filter {
        Filter::new(column, "eq", value)
    }
}

pub struct Client<T: Transport> {
    pub transport: T,
    rest_url: String,
    environment: String,
    /// Transient failures met and retried, for the log.
    pub retried: Vec<String>,
    /// Per table, the unique key its inserts name (`on_conflict`), so that a
    /// duplicate can only be the run's own row (see `model::unique`).
    conflict_targets: HashMap<String, String>,
    /// The host refused a request: the call is stopping (a signal, the
    /// deadline, a cancel). Analysis and report queries are asked no more.
    refused: Option<ToolError>,
}

impl<T: Transport> Client<T> {
    pub fn new(transport: T, rest_url: &str, environment: &str) -> Client<T> {
        Client {
            transport,
            rest_url: rest_url.trim_end_matches('/').to_string(),
            environment: environment.to_string(),
            retried: Vec::new(),
            conflict_targets: HashMap::new(),
            refused: None,
        }
    }

    pub fn set_conflict_target(&mut self, table: &str, columns: &[String]) {
        self.conflict_targets.insert(table.to_string(), columns.join(","));
    }

    pub fn environment(&self) -> &str {
        &self.environment
    }

    pub fn url(&self, path: &str, query: &[(&str, String)], filters: &[Filter]) -> String {
        let mut url = format!("{}/{}", self.rest_url, path);
        let mut first = true;
        let mut push = |k: &str, v: &str| {
            url.push(if first { '?' } else { '&' });
            first = false;
            url.push_str(&utf8_percent_encode(k, VALUE).to_string());
            url.push('=');
            url.push_str(&utf8_percent_encode(v, VALUE).to_string());
        };
        for (k, v) in query {
            push(k, v);
        }
        for f in filters {
            push(&f.column, &format!("{}.{}", f.op, f.value));
        }
        url
    }

    /// Sends `request`, retrying transient failures with capped backoff.
    pub fn execute(&mut self, doing: &str, request: &Request) -> Result<Response> {
        let mut attempt = 0;
        loop {
            match self.transport.send(request) {
                Ok(r) if r.ok() => return Ok(r),
                Ok(r) if retryable_status(r.status) && attempt < MAX_RETRIES => {
                    attempt += 1;
                    let wait = backoff_ms(attempt, Some(&r));
                    self.note_retry(doing, wait, &format!("HTTP {}", r.status));
                }
                Ok(r) => return Err(from_response(doing, &self.environment, &r)),
                Err(e) if request.timeout.is_some() && e.is_timeout() => return Err(timed_out(doing, request)),
                Err(TransportError::Connection(e)) if attempt < MAX_RETRIES => {
                    attempt += 1;
                    let wait = backoff_ms(attempt, None);
                    self.note_retry(doing, wait, &e);
                }
                Err(e @ TransportError::Denied(_)) => {
                    let error = from_transport(doing, &e);
                    self.refused.get_or_insert_with(|| error.clone());
                    return Err(error);
                }
                Err(e) => return Err(from_transport(doing, &e)),
            }
        }
    }

    /// Waits before a retry, noting why.
    pub fn note_retry(&mut self, doing: &str, wait_ms: u64, why: &str) {
        self.retried.push(format!("{doing}: {why}; retrying in {wait_ms} ms"));
        self.transport.sleep_ms(wait_ms);
    }

    /// Calls a database function (in the default schema, as the agent RPCs are).
    pub fn rpc(&mut self, name: &str, args: &Json) -> Result<Json> {
        let request = self.rpc_request(name, args);
        json_of(name, self.execute(&format!("calling {name}"), &request))
    }

    /// Sends `requests` together (at most `MAX_TOGETHER` in flight), for
    /// reads that do not depend on each other: over a distant link they cost
    /// one round trip, not one each. A request that fails transiently is
    /// sent again on its own, with the usual retries.
    pub fn execute_all(&mut self, requests: &[(String, Request)]) -> Vec<Result<Response>> {
        let mut answers: Vec<Option<Result<Response>>> = (0..requests.len()).map(|_| None).collect();
        let mut tickets = std::collections::HashMap::new();
        let mut next = 0;
        // A refusal of the host's is final: the rest of the batch is not sent.
        let mut refused: Option<ToolError> = None;
        while next < requests.len() || !tickets.is_empty() {
            while next < requests.len() && tickets.len() < MAX_TOGETHER {
                if let Some(e) = &refused {
                    answers[next] = Some(Err(e.clone()));
                } else {
                    match self.transport.start(&requests[next].1) {
                        Ok(ticket) => {
                            tickets.insert(ticket, next);
                        }
                        Err(e @ TransportError::Denied(_)) => answers[next] = Some(Err(self.refusal(&requests[next].0, &e, &mut refused))),
                        Err(_) => answers[next] = Some(self.execute(&requests[next].0, &requests[next].1)),
                    }
                }
                next += 1;
            }
            if tickets.is_empty() {
                continue;
            }
            let (ticket, result) = self.transport.wait_any();
            let Some(i) = tickets.remove(&ticket) else { continue };
            answers[i] = Some(match result {
                Ok(r) if r.ok() => Ok(r),
                Ok(r) if !retryable_status(r.status) => Err(from_response(&requests[i].0, &self.environment, &r)),
                Err(e) if requests[i].1.timeout.is_some() && e.is_timeout() => Err(timed_out(&requests[i].0, &requests[i].1)),
                Err(e @ TransportError::Denied(_)) => Err(self.refusal(&requests[i].0, &e, &mut refused)),
                // Transient: again, alone, with backoff.
                _ => self.execute(&requests[i].0, &requests[i].1),
            });
        }
        answers.into_iter().map(|a| a.unwrap_or_else(|| Err(ToolError::internal("a request got no answer")))).collect()
    }

    /// The error of a request the host refused, kept for the rest of the batch and of the call.
    fn refusal(&mut self, doing: &str, e: &TransportError, batch: &mut Option<ToolError>) -> ToolError {
        let error = from_transport(doing, e);
        *batch = Some(error.clone());
        self.refused.get_or_insert_with(|| error.clone());
        error
    }

    fn rpc_request(&self, name: &str, args: &Json) -> Request {
        Request::new(Method::Post, self.url(&format!("rpc/{name}"), &[], &[]))
            .header("accept", "application/json")
            .json_body(serde_json::to_vec(args).expect("JSON serialises"))
    }

    /// The request for a table's live columns, to send with others
    /// (`execute_all`); `columns_of` reads its answer.
    pub fn schema_request(&self, table: &str) -> (String, Request) {
        let args = serde_json::json!({ "p_table_name": format!("semantic.{table}") });
        ("calling get_agent_table_schema".to_string(), self.rpc_request("get_agent_table_schema", &args))
    }

    /// The request for one read-only query (`run_select_ws`), to send with
    /// others (`execute_all`); `json_of` reads its answer.
    pub fn select_request(&self, workspace: &str, sql: &str) -> (String, Request) {
        let args = serde_json::json!({ "p_query": sql, "p_workspace_id": workspace });
        ("calling run_select_ws".to_string(), self.rpc_request("run_select_ws", &args))
    }

    /// Analysis and report queries: `run_select_ws` within `SELECT_TIMEOUT`,
    /// together (see `execute_all`). A query past it is an error, not a hang.
    pub fn bounded_selects(&mut self, workspace: &str, queries: &[String]) -> Vec<Result<Json>> {
        // Once the host refused one, the call is stopping: ask no more (the
        // rollback's own reads go through `execute`).
        if let Some(e) = &self.refused {
            return queries.iter().map(|_| Err(e.clone())).collect();
        }
        let requests: Vec<(String, Request)> = queries
            .iter()
            .map(|sql| {
                let (doing, request) = self.select_request(workspace, sql);
                (doing, request.timeout(SELECT_TIMEOUT))
            })
            .collect();
        self.execute_all(&requests).into_iter().map(|answer| json_of("run_select_ws", answer)).collect()
    }

    /// Several tables' live columns at once (see `execute_all`).
    pub fn tables_columns(&mut self, tables: &[&str]) -> Result<Vec<Vec<LiveColumn>>> {
        let requests: Vec<(String, Request)> = tables.iter().map(|t| self.schema_request(t)).collect();
        self.execute_all(&requests).into_iter().map(columns_of).collect()
    }

    /// A table's live columns (`get_agent_table_schema`); empty if it does not exist.
    pub fn table_columns(&mut self, table: &str) -> Result<Vec<LiveColumn>> {
        let (doing, request) = self.schema_request(table);
        columns_of(self.execute(&doing, &request))
    }

    /// Rows of several tables matching their filters, counted at once (see
    /// `execute_all`).
    pub fn counts(&mut self, queries: &[(&str, Vec<Filter>)]) -> Result<Vec<u64>> {
        let requests = self.count_requests(queries);
        read_counts(self.execute_all(&requests), queries)
    }

    /// Several run_select_ws queries together (see `execute_all`).
    pub fn selects(&mut self, workspace: &str, queries: &[String]) -> Vec<Result<Json>> {
        let requests: Vec<(String, Request)> = queries.iter().map(|sql| self.select_request(workspace, sql)).collect();
        self.execute_all(&requests).into_iter().map(|answer| json_of("run_select_ws", answer)).collect()
    }

    /// Counts and run_select_ws queries together: one round trip. A failed
    /// count fails the call; each query's answer is the caller's to judge.
    pub fn counts_and_selects(
        &mut self,
        queries: &[(&str, Vec<Filter>)],
        workspace: &str,
        sqls: &[&str],
    ) -> Result<(Vec<u64>, Vec<Result<Json>>)> {
        let mut requests = self.count_requests(queries);
        requests.extend(sqls.iter().map(|sql| self.select_request(workspace, sql)));
        let mut answers = self.execute_all(&requests);
        let selected = answers.split_off(queries.len()).into_iter().map(|answer| json_of("run_select_ws", answer)).collect();
        Ok((read_counts(answers, queries)?, selected))
    }

    fn count_requests(&self, queries: &[(&str, Vec<Filter>)]) -> Vec<(String, Request)> {
        queries.iter().map(|(table, filters)| (format!("counting semantic.{table}"), self.count_request(table, filters))).collect()
    }

    fn count_request(&self, table: &str, filters: &[Filter]) -> Request {
        Request::new(Method::Head, self.url(table, &[("limit", "0".into())], filters))
            .header("accept-profile", "semantic")
            .header("prefer", "count=exact")
    }
}

/// The error for a request that passed its own time limit.
fn timed_out(doing: &str, request: &Request) -> ToolError {
    let secs = request.timeout.map_or(0, |t| t.as_secs());
    ToolError::new(
        crate::error::ErrorKind::Database,
        format!("{doing}: no answer within {secs} s (the query was given up, not sent again)"),
    )
}

/// The total of an answer's Content-Range (`0-9/N` or `*/N`): the rows a
/// count matched or a delete removed, when the server says (some answer `*/*`).
pub fn range_total(response: &Response) -> Option<u64> {
    response.header("content-range")?.rsplit('/').next()?.trim().parse().ok()
}

/// The totals of counting answers, in the order of `queries`.
fn read_counts(answers: Vec<Result<Response>>, queries: &[(&str, Vec<Filter>)]) -> Result<Vec<u64>> {
    answers.into_iter().zip(queries).map(|(answer, (table, _))| content_range(table, &answer?)).collect()
}

/// The total after the `/` of a counting answer's Content-Range.
fn content_range(table: &str, response: &Response) -> Result<u64> {
    range_total(response)
        .ok_or_else(|| ToolError::internal(format!("counting semantic.{table}: the answer had no row count (Content-Range)")))
}

/// An RPC's answer as JSON.
pub fn json_of(name: &str, answer: Result<Response>) -> Result<Json> {
    serde_json::from_slice(&answer?.body).map_err(|e| ToolError::internal(format!("{name} answered with something that is not JSON: {e}")))
}

/// The live columns in an answer of `get_agent_table_schema`.
pub fn columns_of(answer: Result<Response>) -> Result<Vec<LiveColumn>> {
    Ok(live_columns(&json_of("get_agent_table_schema", answer)?))
}

/// Live columns from `get_agent_table_schema`'s rows.
fn live_columns(answer: &Json) -> Vec<LiveColumn> {
    {
        let rows = answer.as_array().cloned().unwrap_or_default();
        rows.iter()
            .filter_map(|c| {
                let nullable = match &c["is_nullable"] {
                    Json::Bool(b) => *b,
                    Json::String(s) => s.eq_ignore_ascii_case("yes") || s.eq_ignore_ascii_case("true"),
                    _ => true,
                };
                Some(LiveColumn {
                    name: c["column_name"].as_str()?.to_string(),
                    data_type: c["data_type"].as_str().unwrap_or("text").to_string(),
                    nullable,
                    has_default: c["column_default"].as_str().is_some_and(|d| !d.is_empty()),
                })
            })
            .collect()
    }
}

impl<T: Transport> Client<T> {
    /// Rows of one read-only query, scoped to the workspace (`run_select_ws`).
    pub fn select(&mut self, workspace: &str, sql: &str) -> Result<Json> {
        let (doing, request) = self.select_request(workspace, sql);
        json_of("run_select_ws", self.execute(&doing, &request))
    }

    /// Rows of `table` matching `filters`. `limit=0`: the server counts
    /// without gathering a single row (PostgREST, and postrust, otherwise
    /// build the whole result to count it: gigabytes on a large table).
    pub fn count(&mut self, table: &str, filters: &[Filter]) -> Result<u64> {
        let request = self.count_request(table, filters);
        let response = self.execute(&format!("counting semantic.{table}"), &request)?;
        content_range(table, &response)
    }

    /// The request deleting the rows of `table` matching `filters`, to send
    /// with others. Refuses an unfiltered delete: Supabase refuses one too,
    /// and it could reach rows the tool did not create. It asks for the number of
    /// rows deleted (`range_total`), which PostgREST gives without
    /// returning a row.
    pub fn delete_request(&self, table: &str, filters: &[Filter]) -> Result<(String, Request)> {
        if filters.len() < 2 {
            return Err(ToolError::internal(format!("refusing to delete from semantic.{table} without a workspace and key filter")));
        }
        let request = Request::new(Method::Delete, self.url(table, &[], filters))
            .header("content-profile", "semantic")
            .header("prefer", "return=minimal,count=exact");
        Ok((format!("deleting from semantic.{table}"), request))
    }

    /// A bulk insert of a JSON array into `table`. `resolution` is PostgREST's
    /// duplicate handling (`ignore-duplicates`, `merge-duplicates`).
    pub fn insert_request(&self, table: &str, body: Vec<u8>, resolution: Option<&str>) -> Request {
        let prefer = match resolution {
            Some(r) => format!("return=minimal,resolution={r}"),
            None => "return=minimal".to_string(),
        };
        let query: Vec<(&str, String)> = self.conflict_targets.get(table).map(|t| ("on_conflict", t.clone())).into_iter().collect();
        Request::new(Method::Post, self.url(table, &query, &[]))
            .header("content-profile", "semantic")
            .header("prefer", prefer)
            .json_body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supabase::transport::{FakeTransport, response};

    #[test]
    fn after_the_hosts_refusal_no_more_of_the_batch_or_of_analysis_is_sent() {
        let mut c = Client::new(FakeTransport::new(|_| Err(TransportError::Denied("HttpRequestDenied".into()))), "http://h", "local");
        let queries: Vec<String> = (0..20).map(|i| format!("select {i}")).collect();
        let answers = c.bounded_selects("ws", &queries);
        assert!(answers.iter().all(|a| a.as_ref().is_err_and(|e| e.kind == crate::error::ErrorKind::Denied)));
        let sent = c.transport.seen.len();
        assert!(sent <= MAX_TOGETHER, "the rest of the batch was not sent: {sent}");
        let again = c.bounded_selects("ws", &queries[..3]);
        assert_eq!(again.len(), 3);
        assert_eq!(c.transport.seen.len(), sent, "analysis asks no more once refused");
    }

    #[test]
    fn urls_encode_filter_values() {
        let c = Client::new(FakeTransport::new(|_| Ok(response(200, "[]"))), "http://h:1/rest/v1/", "local");
        let url = c.url("dm_orders_shopify", &[], &[Filter::eq("tenant_id", "a b&c"), Filter::new("order_id", "like", "mock-00001-*")]);
        assert_eq!(url, "http://h:1/rest/v1/dm_orders_shopify?tenant_id=eq.a%20b%26c&order_id=like.mock-00001-*");
    }

    #[test]
    fn independent_counts_go_together_and_a_transient_failure_is_retried_alone() {
        let mut calls = 0;
        let t = FakeTransport::new(move |r| {
            calls += 1;
            if calls == 2 {
                return Ok(response(503, ""));
            }
            let n = if r.url.contains("/a?") {
                1
            } else if r.url.contains("/b?") {
                22
            } else {
                333
            };
            Ok(Response { status: 200, headers: vec![("Content-Range".into(), format!("*/{n}"))], body: vec![] })
        });
        let mut c = Client::new(t, "http://h", "local");
        let counts = c.counts(&[("a", vec![]), ("b", vec![]), ("c", vec![])]).unwrap();
        assert_eq!(counts, vec![1, 22, 333], "answers in the order asked");
        assert_eq!(c.transport.seen.len(), 4, "the one that failed was sent again");
        assert!(c.counts(&[]).unwrap().is_empty());
    }

    #[test]
    fn transient_failures_are_retried_then_succeed() {
        let mut calls = 0;
        let t = FakeTransport::new(move |_| {
            calls += 1;
            match calls {
                1 => Ok(response(503, "")),
                2 => Err(TransportError::Connection("reset".into())),
                _ => Ok(Response { status: 200, headers: vec![("Content-Range".into(), "0-9/1234".into())], body: vec![] }),
            }
        });
        let mut c = Client::new(t, "http://h", "local");
        assert_eq!(c.count("t", &[]).unwrap(), 1234);
        assert_eq!(c.transport.seen.len(), 3);
        assert!(c.transport.seen[0].url.ends_with("/t?limit=0"), "a count asks for no rows: {}", c.transport.seen[0].url);
        assert_eq!(c.transport.slept_ms, 250 + 500);
    }

    #[test]
    fn retries_stop_after_three_and_other_errors_are_not_retried() {
        let mut c = Client::new(FakeTransport::new(|_| Ok(response(504, ""))), "http://h", "staging");
        let e = c.count("t", &[]).unwrap_err();
        assert_eq!(c.transport.seen.len(), 4);
        assert!(e.message.contains("HTTP 504"));
        let mut c =
            Client::new(FakeTransport::new(|_| Ok(response(400, r#"{"code":"PGRST204","message":"no column"}"#))), "http://h", "staging");
        assert!(c.count("t", &[]).is_err());
        assert_eq!(c.transport.seen.len(), 1);
    }

    #[test]
    fn a_query_past_its_time_limit_is_not_sent_again() {
        let timeout = || Err(TransportError::Connection("ConnectionReadTimeout".into()));
        let mut c = Client::new(FakeTransport::new(move |_| timeout()), "http://h", "local");
        let answers = c.bounded_selects("ws", &["select 1".into(), "select 2".into()]);
        assert!(answers.iter().all(|a| a.as_ref().is_err_and(|e| e.message.contains("no answer within 20 s"))), "{answers:?}");
        assert_eq!(c.transport.seen.len(), 2, "each sent once, not retried");
        assert!(c.transport.seen.iter().all(|r| r.timeout == Some(SELECT_TIMEOUT)));
        // Other requests keep their retries.
        let mut c = Client::new(FakeTransport::new(move |_| timeout()), "http://h", "local");
        assert!(c.count("t", &[]).is_err());
        assert_eq!(c.transport.seen.len(), 4);
    }

    #[test]
    fn schema_rows_accept_both_nullable_spellings() {
        let body = r#"[{"column_name":"a","data_type":"text","is_nullable":false,"column_default":null},
                       {"column_name":"b","data_type":"bigint","is_nullable":"YES","column_default":"0"}]"#;
        let mut c = Client::new(FakeTransport::new(move |_| Ok(response(200, body))), "http://h", "local");
        let cols = c.table_columns("t").unwrap();
        assert_eq!((cols[0].nullable, cols[0].has_default), (false, false));
        assert_eq!((cols[1].nullable, cols[1].has_default), (true, true));
        assert_eq!(c.transport.seen[0].header_value("content-type"), Some("application/json"));
    }

    #[test]
    fn unfiltered_deletes_are_refused() {
        let c = Client::new(FakeTransport::new(|_| Ok(response(204, ""))), "http://h", "local");
        assert!(c.delete_request("t", &[Filter::eq("tenant_id", "w")]).is_err());
        assert!(c.transport.seen.is_empty());
    }
}
