//! How allowed requests leave: one pooled HTTP/1.1 client for the whole
//! call, keep-alive, TCP_NODELAY, TLS with the webpki roots.
//!
//! wasmtime's default sender opens a fresh connection (and, to Supabase, a
//! fresh TLS session) for every request and leaves Nagle's algorithm on;
//! bulk inserts send thousands of requests, so connections are reused here.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use http_body_util::BodyExt;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

pub type Pool = Client<HttpsConnector<HttpConnector>, WasiBody>;

pub type Sent = (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>);

use crate::sandbox::rules;

pub fn pool() -> Pool {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    http.set_connect_timeout(Some(Duration::from_millis(rules().requests.connect_timeout_ms)));
    let https = hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().wrap_connector(http);
    Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(https)
}

/// The component's timeouts, within the host's bounds: (first byte, idle).
/// Until the answer starts (Supabase ends a statement after 8 s), and
/// between two parts of its body.
pub fn timeouts(options: Option<RequestOptions>) -> (Duration, Duration) {
    let r = &rules().requests;
    (
        r.first_byte_timeout_ms.within(options.and_then(|o| o.first_byte_timeout)),
        r.idle_timeout_ms.within(options.and_then(|o| o.between_bytes_timeout)),
    )
}

pub async fn send(pool: Pool, request: http::Request<WasiBody>, options: Option<RequestOptions>) -> Result<Sent, Error> {
    let (first_byte, idle) = timeouts(options);
    let response = match tokio::time::timeout(first_byte, pool.request(request)).await {
        Err(_) => return Err(Error::ConnectionReadTimeout),
        Ok(Err(e)) if e.is_connect() => return Err(Error::ConnectionRefused),
        Ok(Err(_)) => return Err(Error::ConnectionTerminated),
        Ok(Ok(response)) => response,
    };
    let response = response.map(|body| Idle::new(body.map_err(Error::Hyper).boxed_unsync(), idle).boxed_unsync());
    Ok((response, Box::new(async { Ok(()) })))
}

/// A response body that fails when no part of it arrives for `idle`.
struct Idle {
    inner: WasiBody,
    idle: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl Idle {
    fn new(inner: WasiBody, idle: Duration) -> Idle {
        Idle { inner, idle, timer: Box::pin(tokio::time::sleep(idle)) }
    }
}

impl Body for Idle {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let deadline = tokio::time::Instant::now() + this.idle;
                this.timer.as_mut().reset(deadline);
                Poll::Ready(frame)
            }
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Error::ConnectionReadTimeout))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_component_cannot_lift_the_timeouts() {
        let r = &rules().requests;
        let ms = Duration::from_millis;
        assert_eq!(timeouts(None), (ms(r.first_byte_timeout_ms.default), ms(r.idle_timeout_ms.default)));
        let huge = RequestOptions {
            connect_timeout: None,
            first_byte_timeout: Some(Duration::from_secs(86_400)),
            between_bytes_timeout: Some(Duration::from_secs(86_400)),
        };
        assert_eq!(timeouts(Some(huge)), (ms(r.first_byte_timeout_ms.max), ms(r.idle_timeout_ms.max)));
    }

    #[test]
    fn a_silent_body_times_out() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async {
            // A body that never yields a frame.
            let silent = http_body_util::StreamBody::new(futures_pending()).boxed_unsync();
            let mut body = Idle::new(silent, Duration::from_millis(50));
            let started = std::time::Instant::now();
            let frame = body.frame().await;
            assert!(matches!(frame, Some(Err(Error::ConnectionReadTimeout))));
            assert!(started.elapsed() < Duration::from_secs(2));
        });
    }

    fn futures_pending() -> impl futures_core::Stream<Item = Result<Frame<Bytes>, Error>> {
        struct Never;
        impl futures_core::Stream for Never {
            type Item = Result<Frame<Bytes>, Error>;
            fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                Poll::Pending
            }
        }
        Never
    }
}
