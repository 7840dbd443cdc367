//! How allowed requests leave: one pooled HTTP/1.1 client for the whole
//! call, keep-alive, TCP_NODELAY, TLS with the webpki roots.
//!
//! wasmtime's default sender opens a fresh connection (and, to Supabase, a
//! fresh TLS session) for every request and leaves Nagle's algorithm on;
//! bulk inserts send thousands of requests, so connections are reused here.

use std::future::Future;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

pub type Pool = Client<HttpsConnector<HttpConnector>, WasiBody>;

pub type Sent = (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>);

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(600);

pub fn pool() -> Pool {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let https = hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().wrap_connector(http);
    Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(https)
}

pub async fn send(pool: Pool, request: http::Request<WasiBody>, options: Option<RequestOptions>) -> Result<Sent, Error> {
    let first_byte = options.and_then(|o| o.first_byte_timeout).unwrap_or(DEFAULT_FIRST_BYTE_TIMEOUT);
    let response = match tokio::time::timeout(first_byte, pool.request(request)).await {
        Err(_) => return Err(Error::ConnectionReadTimeout),
        Ok(Err(e)) if e.is_connect() => return Err(Error::ConnectionRefused),
        Ok(Err(_)) => return Err(Error::ConnectionTerminated),
        Ok(Ok(response)) => response,
    };
    let response = response.map(|body| body.map_err(Error::Hyper).boxed_unsync());
    Ok((response, Box::new(async { Ok(()) })))
}
