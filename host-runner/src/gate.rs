//! The one way out of the sandbox: wasi-http's `send_request` hook.
//!
//! Requests to the resolved environment's origin get the credentials (the
//! component never holds them) and go out through a pooled client (see
//! `sender`); everything else is refused with `HttpRequestDenied`. The check lives here
//! because the default sender opens its own connections, which socket
//! address checks never see.

use std::future::Future;
use std::sync::{Arc, Mutex};

use http::HeaderValue;
use http::header::AUTHORIZATION;
use http_body_util::BodyExt;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::config::Secret;
use crate::policy::Origin;
use crate::sender::{self, Pool};

type ResponseFuture =
    Box<dyn Future<Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>> + Send>;

/// Where the component may go, and with which key.
pub struct Gate {
    target: Option<(Origin, Secret)>,
    /// The open environment is production and this call was not confirmed
    /// for writing there: only reads go through. Enforced here as well as in
    /// the component, which cannot be trusted to check for itself.
    reads_only: bool,
    /// The call carried the production confirmation (--confirm-production).
    production_confirmed: bool,
    pool: Pool,
    /// Requests refused, for the report.
    pub denied: Arc<Mutex<Vec<String>>>,
}

impl Gate {
    /// A gate that lets nothing through until `open`.
    pub fn closed(production_confirmed: bool) -> Gate {
        Gate { target: None, reads_only: false, production_confirmed, pool: sender::pool(), denied: Arc::default() }
    }

    /// From now on, requests to `origin` are allowed and carry `key`.
    pub fn open(&mut self, origin: Origin, key: Secret, production: bool) {
        self.target = Some((origin, key));
        self.reads_only = production && !self.production_confirmed;
    }

    pub fn allowed(&self) -> Option<&Origin> {
        self.target.as_ref().map(|(o, _)| o)
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
        let allowed = self.target.as_ref().filter(|(origin, _)| origin.allows(request.uri()));
        let refused_write = allowed.is_some_and(|(origin, _)| self.reads_only && origin.is_write(request.method(), request.uri()));
        let headers = allowed.filter(|_| !refused_write).and_then(|(_, key)| credentials(key));
        match headers {
            Some((apikey, bearer)) => {
                let h = request.headers_mut();
                h.remove("apikey");
                h.remove(AUTHORIZATION);
                h.insert("apikey", apikey);
                if let Some(bearer) = bearer {
                    h.insert(AUTHORIZATION, bearer);
                }
                Box::new(sender::send(self.pool.clone(), request, options))
            }
            None => {
                let target = request.uri().authority().map_or_else(|| request.uri().to_string(), |a| a.to_string());
                let target = if refused_write { format!("{target} (a write to production without --confirm-production)") } else { target };
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
