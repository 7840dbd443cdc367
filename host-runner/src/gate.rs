//! The one way out of the sandbox: wasi-http's `send_request` hook, where
//! the rules of `sandbox` are applied to the component's requests.
//!
//! Requests to the resolved environment's REST API that the rules allow get
//! the credentials (the component never holds them) and go out through a
//! pooled client (see `sender`); everything else is refused with
//! `HttpRequestDenied`. The check lives here because the default sender
//! opens its own connections, which socket address checks never see. A call
//! that is stopping refuses new writes at once and cuts its reads short
//! (they cannot leave anything half done); once sealed, it cuts everything.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http::HeaderValue;
use http_body_util::BodyExt;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::config::Secret;
use crate::sandbox::{Access, Origin, request, rules};
use crate::sender::{self, Pool};
use crate::stop::{Level, Stop};

type ResponseFuture =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>> + Send>;

/// Where the component may go, and with which key.
pub struct Gate {
    target: Option<(Origin, Secret)>,
    /// The open environment is production and this call was not confirmed
    /// for writing there: only what the rules allow such calls goes through.
    /// Enforced here as well as in the component, which cannot be trusted
    /// to check for itself.
    unconfirmed_production: bool,
    /// The call may write to production (confirmed, and allowed for agents).
    production_confirmed: bool,
    /// The warehouse's run_select_ws makes its queries read-only (the
    /// probe's finding); if not, its calls count as writes.
    read_only_selects: bool,
    /// Set when the call is being stopped (signal, deadline, cancel).
    pub stop: Arc<Stop>,
    in_flight: Arc<AtomicUsize>,
    pool: Pool,
    /// Requests refused, for the report.
    pub denied: Arc<Mutex<Denied>>,
}

/// The refused requests' targets, counted: at most so many named (a
/// request bomb must not grow the list without bound), the rest counted.
#[derive(Debug, Default)]
pub struct Denied {
    named: BTreeMap<String, u64>,
    others: u64,
}

impl Denied {
    pub fn add(&mut self, target: String) {
        let keep = rules().requests.denied_targets_kept;
        if let Some(n) = self.named.get_mut(&target) {
            *n += 1;
        } else if self.named.len() < keep {
            self.named.insert(target, 1);
        } else {
            self.others += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.named.is_empty() && self.others == 0
    }

    /// `a, b (2 times), and 5 other requests`.
    pub fn tally(&self) -> String {
        let mut parts: Vec<String> = self.named.iter().map(|(t, n)| if *n > 1 { format!("{t} ({n} times)") } else { t.clone() }).collect();
        if self.others > 0 {
            parts.push(format!("and {} other requests", self.others));
        }
        parts.join(", ")
    }
}

impl Gate {
    /// A gate that lets nothing through until `open`.
    pub fn closed(production_confirmed: bool, stop: Arc<Stop>) -> Gate {
        Gate {
            target: None,
            unconfirmed_production: false,
            production_confirmed,
            read_only_selects: false,
            stop,
            in_flight: Arc::default(),
            pool: sender::pool(),
            denied: Arc::default(),
        }
    }

    /// From now on, requests to `origin` are allowed and carry `key`.
    pub fn open(&mut self, origin: Origin, key: Secret, production: bool, read_only_selects: bool) {
        self.target = Some((origin, key));
        self.unconfirmed_production = production && !self.production_confirmed;
        self.read_only_selects = read_only_selects;
    }

    pub fn allowed(&self) -> Option<&Origin> {
        self.target.as_ref().map(|(o, _)| o)
    }

    /// The kind of access and the key for `request`, or why it is refused
    /// (for the report).
    fn judge(&self, request: &http::Request<WasiBody>) -> Result<(Access, &Secret), String> {
        let uri = request.uri();
        let target = uri.authority().map_or_else(|| uri.to_string(), |a| a.to_string());
        let Some((origin, key)) = self.target.as_ref().filter(|(o, _)| o.allows(uri)) else {
            let why = crate::sandbox::origin::clean_path(uri.path()).err().map_or(String::new(), |e| format!(" ({e})"));
            return Err(format!("{target}{why}"));
        };
        let (route, mut access) =
            request::judge(origin, request.method(), uri, request.headers()).map_err(|why| format!("{target} ({why})"))?;
        // A query function that does not run its queries read-only may write.
        if request::is_query(&route) && !self.read_only_selects {
            access = Access::Write;
        }
        let stopping = || format!("{target} (the call is stopping: {})", self.stop.reason().unwrap_or_default());
        if !self.stop.requests_allowed() {
            return Err(stopping());
        }
        if !self.stop.writes_allowed() && !rules().calls.stopping_access.contains(&access) {
            return Err(stopping());
        }
        if self.unconfirmed_production && !rules().production.unconfirmed_access.contains(&access) {
            return Err(format!("{target} (a write to production without --confirm-production)"));
        }
        let max = rules().requests.max_in_flight;
        if self.in_flight.load(Ordering::SeqCst) >= max {
            return Err(format!("{target} (more than {max} requests at once)"));
        }
        Ok((access, key))
    }
}

/// Counts a request as in flight until its answer (or failure) arrives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(counter: &Arc<AtomicUsize>) -> InFlight {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

/// Supabase's legacy keys are JWTs, sent as `apikey` and as a bearer token;
/// the new `sb_secret_...` keys go in `apikey` only.
pub fn credentials(key: &Secret) -> Option<(HeaderValue, Option<HeaderValue>)> {
    let apikey = sensitive(key.expose())?;
    let bearer = if key.expose().starts_with(rules().requests.bearer_unless_key_starts_with.as_str()) {
        None
    } else {
        Some(sensitive(&format!("Bearer {}", key.expose()))?)
    };
    Some((apikey, bearer))
}

/// Reads (and drops) at most the first `limit` bytes of a refused request's
/// body, so a guest still writing it sees the refusal rather than a closed
/// stream; a longer body is cut, never held.
async fn drain(body: WasiBody, limit: u64) {
    let mut body = std::pin::pin!(body);
    let mut seen = 0u64;
    while seen < limit {
        match body.frame().await {
            Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => return,
        }
    }
}

impl WasiHttpHooks for Gate {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        let verdict = self
            .judge(&request)
            .and_then(|(access, key)| credentials(key).map(|c| (access, c)).ok_or_else(|| "an unusable key".to_string()));
        match verdict {
            Ok((access, (apikey, bearer))) => {
                let h = request.headers_mut();
                for name in &rules().requests.credential_headers {
                    h.remove(name.as_str());
                }
                h.insert("apikey", apikey);
                if let Some(bearer) = bearer {
                    h.insert(http::header::AUTHORIZATION, bearer);
                }
                let guard = InFlight::new(&self.in_flight);
                let sent = sender::send(self.pool.clone(), request, options);
                // A read sent before the call began to stop is cut as soon as
                // it does (it cannot leave anything half done; the rollback's
                // own reads come after). Writes and deletes run to their end
                // unless the call is sealed: a write cut here could still land
                // after the rollback's delete.
                let cut_at = if access == Access::Read && self.stop.level() == Level::Running { Level::Stopping } else { Level::Sealed };
                let stop = self.stop.clone();
                Box::new(async move {
                    let answer = tokio::select! {
                        answer = sent => answer,
                        () = stop.reached(cut_at) => Err(Error::HttpRequestDenied),
                    };
                    drop(guard);
                    answer
                })
            }
            Err(target) => {
                if let Ok(mut d) = self.denied.lock() {
                    d.add(target);
                }
                let limit = rules().requests.denied_body_drain_bytes;
                Box::new(async move {
                    drain(request.into_body(), limit).await;
                    Err(Error::HttpRequestDenied)
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, url: &str, profile: Option<(&'static str, &str)>) -> http::Request<WasiBody> {
        let body: WasiBody =
            http_body_util::Empty::new().map_err(|never: std::convert::Infallible| -> Error { match never {} }).boxed_unsync();
        let mut r = http::Request::builder().method(method).uri(url);
        if let Some((name, value)) = profile {
            r = r.header(name, value);
        }
        r.body(body).unwrap()
    }

    const READ: Option<(&str, &str)> = Some(("accept-profile", "semantic"));
    const WRITE: Option<(&str, &str)> = Some(("content-profile", "semantic"));

    fn gate(production: bool, confirmed: bool) -> Gate {
        let mut g = Gate::closed(confirmed, Arc::default());
        g.open(Origin::parse("https://abc.supabase.co/rest/v1").unwrap(), Secret::new("k"), production, true);
        g
    }

    #[test]
    fn unconfirmed_production_reads_and_calls_the_agent_rpcs_only() {
        let g = gate(true, false);
        assert!(g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", READ)).is_ok());
        assert!(g.judge(&request("POST", "https://abc.supabase.co/rest/v1/rpc/run_select_ws", None)).is_ok());
        for (m, path) in [("POST", "t"), ("DELETE", "t?a=eq.1")] {
            let why = g.judge(&request(m, &format!("https://abc.supabase.co/rest/v1/{path}"), WRITE)).unwrap_err();
            assert!(why.contains("without --confirm-production"), "{m} {path}: {why}");
        }
        let why = g.judge(&request("POST", "https://abc.supabase.co/rest/v1/rpc/graphql", None)).unwrap_err();
        assert!(why.contains("only the agent RPCs"), "{why}");
        assert!(gate(true, true).judge(&request("POST", "https://abc.supabase.co/rest/v1/t", WRITE)).is_ok());
        let why = g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", Some(("accept-profile", "public")))).unwrap_err();
        assert!(why.contains("only semantic"), "{why}");
    }

    #[test]
    fn queries_of_a_run_select_ws_that_may_write_count_as_writes() {
        let mut g = Gate::closed(false, Arc::default());
        g.open(Origin::parse("https://abc.supabase.co/rest/v1").unwrap(), Secret::new("k"), true, false);
        let why = g.judge(&request("POST", "https://abc.supabase.co/rest/v1/rpc/run_select_ws", None)).unwrap_err();
        assert!(why.contains("without --confirm-production"), "{why}");
        assert!(g.judge(&request("POST", "https://abc.supabase.co/rest/v1/rpc/get_agent_table_schema", None)).is_ok());
    }

    #[test]
    fn a_table_without_a_profile_is_public_and_refused() {
        let g = gate(false, false);
        for (m, profile) in [("GET", None), ("HEAD", None), ("POST", None), ("DELETE", None), ("POST", READ), ("GET", WRITE)] {
            let why = g.judge(&request(m, "https://abc.supabase.co/rest/v1/t", profile)).unwrap_err();
            assert!(why.contains("a table is reached in schema semantic only"), "{m} {profile:?}: {why}");
        }
        assert!(g.judge(&request("PATCH", "https://abc.supabase.co/rest/v1/t?a=eq.1", WRITE)).is_err());
    }

    #[test]
    fn a_stopping_call_deletes_but_does_not_insert() {
        let g = gate(false, false);
        g.stop.begin("interrupted".into());
        assert!(g.judge(&request("DELETE", "https://abc.supabase.co/rest/v1/t?a=eq.1", WRITE)).is_ok(), "the rollback goes through");
        assert!(g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", READ)).is_ok());
        let why = g.judge(&request("POST", "https://abc.supabase.co/rest/v1/t", WRITE)).unwrap_err();
        assert!(why.contains("the call is stopping: interrupted"), "{why}");
        g.stop.seal();
        assert!(g.judge(&request("DELETE", "https://abc.supabase.co/rest/v1/t?a=eq.1", WRITE)).is_err());
    }

    #[test]
    fn requests_past_the_cap_are_refused() {
        let g = gate(false, false);
        let max = rules().requests.max_in_flight;
        let held: Vec<InFlight> = (0..max).map(|_| InFlight::new(&g.in_flight)).collect();
        let why = g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", READ)).unwrap_err();
        assert!(why.contains("requests at once"), "{why}");
        drop(held);
        assert!(g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", READ)).is_ok());
    }

    #[test]
    fn keys_become_sensitive_headers() {
        let (apikey, bearer) = credentials(&Secret::new("eyJhbGciOi.x.y")).unwrap();
        assert!(apikey.is_sensitive());
        assert_eq!(bearer.unwrap().to_str().unwrap(), "Bearer eyJhbGciOi.x.y");
        let (_, bearer) = credentials(&Secret::new("sb_secret_abc")).unwrap();
        assert!(bearer.is_none());
        assert!(credentials(&Secret::new("bad\nkey")).is_none());
    }

    #[test]
    fn the_denied_list_is_bounded() {
        let mut d = Denied::default();
        for i in 0..100_000 {
            d.add(format!("host-{}", i % 1000));
        }
        d.add("host-0".into());
        let keep = rules().requests.denied_targets_kept;
        assert_eq!(d.named.len(), keep);
        assert_eq!(d.others, 100_000 - 100 * keep as u64);
        let tally = d.tally();
        assert!(tally.contains("host-0 (101 times)") && tally.ends_with("other requests"), "{tally}");
    }

    #[test]
    fn a_refused_body_is_read_no_further_than_the_limit() {
        use bytes::Bytes;
        use std::sync::atomic::AtomicU64;
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let pulled = Arc::new(AtomicU64::new(0));
        let counter = pulled.clone();
        // An endless body: 64 KiB a frame, for ever.
        let endless = futures_util_stream(move || {
            counter.fetch_add(65536, Ordering::SeqCst);
            Bytes::from(vec![b'x'; 65536])
        });
        rt.block_on(drain(http_body_util::StreamBody::new(endless).boxed_unsync(), 1 << 20));
        let n = pulled.load(Ordering::SeqCst);
        assert!((1 << 20..=(1 << 20) + 65536).contains(&n), "{n}");
    }

    fn futures_util_stream(
        next: impl FnMut() -> bytes::Bytes + Unpin + Send,
    ) -> impl futures_core::Stream<Item = Result<http_body::Frame<bytes::Bytes>, Error>> + Send + Unpin {
        struct Endless<F>(F);
        impl<F: FnMut() -> bytes::Bytes + Unpin> futures_core::Stream for Endless<F> {
            type Item = Result<http_body::Frame<bytes::Bytes>, Error>;
            fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(Some(Ok(http_body::Frame::data((self.0)()))))
            }
        }
        Endless(next)
    }
}
