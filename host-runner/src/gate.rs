//! The one way out of the sandbox: wasi-http's `send_request` hook.
//!
//! Requests to the resolved environment's origin get the credentials (the
//! component never holds them) and go out through a pooled client (see
//! `sender`); everything else is refused with `HttpRequestDenied`. The check lives here
//! because the default sender opens its own connections, which socket
//! address checks never see.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http::HeaderValue;
use http::header::AUTHORIZATION;
use http_body_util::BodyExt;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::config::Secret;
use crate::policy::{Origin, profile_problem};
use crate::sender::{self, Pool};
use crate::stop::Stop;

type ResponseFuture =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>> + Send>;

/// Requests in flight at once, at most (the component keeps a handful).
pub const MAX_IN_FLIGHT: usize = 32;

/// Where the component may go, and with which key.
pub struct Gate {
    target: Option<(Origin, Secret)>,
    /// The open environment is production and this call was not confirmed
    /// for writing there: only reads go through. Enforced here as well as in
    /// the component, which cannot be trusted to check for itself.
    reads_only: bool,
    /// The call may write to production (confirmed, and allowed for agents).
    production_confirmed: bool,
    /// Set when the call is being stopped (signal, deadline).
    pub stop: Arc<Stop>,
    in_flight: Arc<AtomicUsize>,
    pool: Pool,
    /// Requests refused, for the report.
    pub denied: Arc<Mutex<Vec<String>>>,
}

impl Gate {
    /// A gate that lets nothing through until `open`.
    pub fn closed(production_confirmed: bool, stop: Arc<Stop>) -> Gate {
        Gate {
            target: None,
            reads_only: false,
            production_confirmed,
            stop,
            in_flight: Arc::default(),
            pool: sender::pool(),
            denied: Arc::default(),
        }
    }

    /// From now on, requests to `origin` are allowed and carry `key`.
    pub fn open(&mut self, origin: Origin, key: Secret, production: bool) {
        self.target = Some((origin, key));
        self.reads_only = production && !self.production_confirmed;
    }

    pub fn allowed(&self) -> Option<&Origin> {
        self.target.as_ref().map(|(o, _)| o)
    }

    /// The key for `request`, or why it is refused (for the report).
    fn judge(&self, request: &http::Request<WasiBody>) -> Result<&Secret, String> {
        let uri = request.uri();
        let target = uri.authority().map_or_else(|| uri.to_string(), |a| a.to_string());
        let Some((origin, key)) = self.target.as_ref().filter(|(o, _)| o.allows(uri)) else {
            let why = crate::policy::clean_path(uri.path()).err().map_or(String::new(), |e| format!(" ({e})"));
            return Err(format!("{target}{why}"));
        };
        if let Some(problem) = profile_problem(request.headers()) {
            return Err(format!("{target} ({problem})"));
        }
        let read = origin.is_read(request.method(), uri);
        if !self.stop.requests_allowed() || (!read && request.method() != http::Method::DELETE && !self.stop.writes_allowed()) {
            return Err(format!("{target} (the call is stopping: {})", self.stop.reason().unwrap_or_default()));
        }
        if self.reads_only && !read {
            return Err(format!("{target} (a write to production without --confirm-production)"));
        }
        if self.in_flight.load(Ordering::SeqCst) >= MAX_IN_FLIGHT {
            return Err(format!("{target} (more than {MAX_IN_FLIGHT} requests at once)"));
        }
        Ok(key)
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
fn credentials(key: &Secret) -> Option<(HeaderValue, Option<HeaderValue>)> {
    let apikey = sensitive(key.expose())?;
    let bearer = if key.expose().starts_with("sb_") { None } else { Some(sensitive(&format!("Bearer {}", key.expose()))?) };
    Some((apikey, bearer))
}

impl WasiHttpHooks for Gate {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        let verdict = self.judge(&request).and_then(|key| credentials(key).ok_or_else(|| "an unusable key".to_string()));
        match verdict {
            Ok((apikey, bearer)) => {
                let h = request.headers_mut();
                h.remove("apikey");
                h.remove(AUTHORIZATION);
                h.insert("apikey", apikey);
                if let Some(bearer) = bearer {
                    h.insert(AUTHORIZATION, bearer);
                }
                let guard = InFlight::new(&self.in_flight);
                let sent = sender::send(self.pool.clone(), request, options);
                Box::new(async move {
                    let answer = sent.await;
                    drop(guard);
                    answer
                })
            }
            Err(target) => {
                if let Ok(mut d) = self.denied.lock() {
                    d.push(target);
                }
                Box::new(async move {
                    // Take the whole body first: a guest still writing it
                    // would otherwise see a closed stream, not the refusal.
                    let _ = request.into_body().collect().await;
                    Err(Error::HttpRequestDenied)
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, url: &str, profile: Option<&str>) -> http::Request<WasiBody> {
        let body: WasiBody =
            http_body_util::Empty::new().map_err(|never: std::convert::Infallible| -> Error { match never {} }).boxed_unsync();
        let mut r = http::Request::builder().method(method).uri(url);
        if let Some(p) = profile {
            r = r.header("content-profile", p);
        }
        r.body(body).unwrap()
    }

    fn gate(production: bool, confirmed: bool) -> Gate {
        let mut g = Gate::closed(confirmed, Arc::default());
        g.open(Origin::parse("https://abc.supabase.co/rest/v1").unwrap(), Secret::new("k"), production);
        g
    }

    #[test]
    fn unconfirmed_production_reads_and_calls_the_agent_rpcs_only() {
        let g = gate(true, false);
        assert!(g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", None)).is_ok());
        assert!(g.judge(&request("POST", "https://abc.supabase.co/rest/v1/rpc/run_select_ws", None)).is_ok());
        for (m, path) in [("POST", "rpc/graphql"), ("POST", "t"), ("DELETE", "t?a=eq.1"), ("PATCH", "t?a=eq.1")] {
            let why = g.judge(&request(m, &format!("https://abc.supabase.co/rest/v1/{path}"), None)).unwrap_err();
            assert!(why.contains("without --confirm-production"), "{m} {path}: {why}");
        }
        assert!(gate(true, true).judge(&request("POST", "https://abc.supabase.co/rest/v1/t", None)).is_ok());
        let why = g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", Some("public"))).unwrap_err();
        assert!(why.contains("only semantic"), "{why}");
    }

    #[test]
    fn a_stopping_call_deletes_but_does_not_insert() {
        let g = gate(false, false);
        g.stop.begin("interrupted".into());
        assert!(g.judge(&request("DELETE", "https://abc.supabase.co/rest/v1/t?a=eq.1", None)).is_ok(), "the rollback goes through");
        assert!(g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", None)).is_ok());
        let why = g.judge(&request("POST", "https://abc.supabase.co/rest/v1/t", None)).unwrap_err();
        assert!(why.contains("the call is stopping: interrupted"), "{why}");
        g.stop.seal();
        assert!(g.judge(&request("DELETE", "https://abc.supabase.co/rest/v1/t?a=eq.1", None)).is_err());
    }

    #[test]
    fn requests_past_the_cap_are_refused() {
        let g = gate(false, false);
        let held: Vec<InFlight> = (0..MAX_IN_FLIGHT).map(|_| InFlight::new(&g.in_flight)).collect();
        let why = g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", None)).unwrap_err();
        assert!(why.contains("requests at once"), "{why}");
        drop(held);
        assert!(g.judge(&request("GET", "https://abc.supabase.co/rest/v1/t", None)).is_ok());
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
}
