//! The transport the component uses: wasi-http, through the host.
//!
//! Requests without a body (counts, reads, deletes) go through `waki`'s
//! client. Requests with one go through wasi:http's outgoing-handler
//! directly: bulk inserts need several in flight, which `waki`'s blocking
//! `send` cannot do, and with a Content-Length the host may close a body
//! stream as soon as its last byte is in, which `waki` reports as a failed
//! write (and drops the response) while the request in fact succeeded.
//!
//! Requests carry no credentials: the host adds them on the way out.

use std::time::Duration;

use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingResponse, Method as WasiMethod, OutgoingBody, OutgoingRequest, RequestOptions,
    Scheme,
};
use wasi::io::poll;
use wasi::io::streams::StreamError;

use crate::supabase::transport::{Method, Request, Response, Ticket, Transport, TransportError};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Supabase's statement timeout is 8 s; a response slower than this is lost.
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct WasiTransport {
    pending: Vec<(Ticket, FutureIncomingResponse)>,
    next: Ticket,
}

impl WasiTransport {
    pub fn new() -> WasiTransport {
        WasiTransport::default()
    }
}

fn has_body(method: Method) -> bool {
    matches!(method, Method::Post | Method::Patch)
}

fn waki_error(e: &waki::header::InvalidHeaderName) -> TransportError {
    TransportError::Other(format!("invalid header name: {e}"))
}

/// Classifies a wasi-http error code: a refusal, a failure worth retrying,
/// or anything else. One list for both bindings of the same WIT type (this
/// crate's and waki's).
macro_rules! classify {
    ($code:expr, $C:ident) => {
        match $code {
            $C::HttpRequestDenied => TransportError::Denied("HttpRequestDenied".into()),
            $C::DnsTimeout
            | $C::DnsError(_)
            | $C::DestinationNotFound
            | $C::DestinationUnavailable
            | $C::DestinationIpUnroutable
            | $C::ConnectionRefused
            | $C::ConnectionTerminated
            | $C::ConnectionTimeout
            | $C::ConnectionReadTimeout
            | $C::ConnectionWriteTimeout
            | $C::ConnectionLimitReached
            | $C::HttpResponseIncomplete
            | $C::HttpResponseTimeout => TransportError::Connection(format!("{:?}", $code)),
            other => TransportError::Other(format!("{other:?}")),
        }
    };
}

fn code_error(code: &ErrorCode) -> TransportError {
    classify!(code, ErrorCode)
}

fn waki_code_error(code: &waki::ErrorCode) -> TransportError {
    use waki::ErrorCode as WakiCode;
    classify!(code, WakiCode)
}

/// `http://host:port/path?query` split into its parts.
fn split_url(url: &str) -> Result<(Scheme, &str, &str), TransportError> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| TransportError::Other(format!("not an absolute URL: {url}")))?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_string()),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    Ok((scheme, authority, path))
}

fn write_body(body: &OutgoingBody, bytes: &[u8]) -> Result<(), TransportError> {
    let out = body.write().map_err(|()| TransportError::Other("request body unavailable".into()))?;
    let broken = |e: StreamError| TransportError::Connection(format!("request body: {e:?}"));
    let ready = out.subscribe();
    let mut rest = bytes;
    while !rest.is_empty() {
        ready.block();
        let permit = out.check_write().map_err(broken)? as usize;
        let n = rest.len().min(permit);
        out.write(&rest[..n]).map_err(broken)?;
        rest = &rest[n..];
    }
    // Every byte is handed over. The host may already have closed the
    // stream (the Content-Length is reached): that is success, not an error.
    if out.flush().is_ok() {
        ready.block();
        let _ = out.check_write();
    }
    drop(ready);
    drop(out);
    Ok(())
}

fn read_response(response: IncomingResponse) -> Result<Response, TransportError> {
    let status = response.status();
    let headers = response.headers().entries().into_iter().map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned())).collect();
    let body = response.consume().map_err(|()| TransportError::Other("response body unavailable".into()))?;
    let mut bytes = Vec::new();
    {
        let stream = body.stream().map_err(|()| TransportError::Other("response body unavailable".into()))?;
        loop {
            match stream.blocking_read(1 << 20) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(e) => return Err(TransportError::Connection(format!("response body: {e:?}"))),
            }
        }
    }
    drop(body);
    Ok(Response { status, headers, body: bytes })
}

fn take(future: &FutureIncomingResponse) -> Option<Result<Response, TransportError>> {
    let outcome = future.get()?;
    Some(match outcome {
        Err(()) => Err(TransportError::Other("response already taken".into())),
        Ok(Err(code)) => Err(code_error(&code)),
        Ok(Ok(response)) => read_response(response),
    })
}

impl WasiTransport {
    /// Waits for one started request (others stay in flight).
    fn wait_for(&mut self, ticket: Ticket) -> Result<Response, TransportError> {
        let i = self.pending.iter().position(|(t, _)| *t == ticket).expect("a started request");
        let (_, future) = self.pending.swap_remove(i);
        loop {
            if let Some(result) = take(&future) {
                return result;
            }
            future.subscribe().block();
        }
    }
}

impl Transport for WasiTransport {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError> {
        if has_body(request.method) {
            let ticket = self.start(request)?;
            return self.wait_for(ticket);
        }
        let method = match request.method {
            Method::Get => waki::Method::Get,
            Method::Head => waki::Method::Head,
            Method::Post => waki::Method::Post,
            Method::Patch => waki::Method::Patch,
            Method::Delete => waki::Method::Delete,
        };
        let mut builder = waki::Client::new().request(method, &request.url).connect_timeout(CONNECT_TIMEOUT);
        for (name, value) in &request.headers {
            // Names from runtime strings must go through from_bytes.
            let name = waki::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| waki_error(&e))?;
            builder = builder.header(name, value.as_str());
        }
        match builder.send() {
            Ok(response) => {
                let status = response.status_code();
                let headers = response
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                    .collect();
                let body = response.body().map_err(|e| TransportError::Connection(format!("response body: {e}")))?;
                Ok(Response { status, headers, body })
            }
            Err(e) => Err(match e.downcast_ref::<waki::ErrorCode>() {
                Some(code) => waki_code_error(code),
                None => TransportError::Connection(e.to_string()),
            }),
        }
    }

    fn start(&mut self, request: &Request) -> Result<Ticket, TransportError> {
        let (scheme, authority, path) = split_url(&request.url)?;
        let mut entries: Vec<(String, Vec<u8>)> = request.headers.iter().map(|(k, v)| (k.clone(), v.as_bytes().to_vec())).collect();
        if has_body(request.method) {
            entries.push(("content-length".into(), request.body.len().to_string().into_bytes()));
        }
        let headers = Fields::from_list(&entries).map_err(|e| TransportError::Other(format!("invalid headers: {e:?}")))?;
        let outgoing = OutgoingRequest::new(headers);
        let method = match request.method {
            Method::Get => WasiMethod::Get,
            Method::Head => WasiMethod::Head,
            Method::Post => WasiMethod::Post,
            Method::Patch => WasiMethod::Patch,
            Method::Delete => WasiMethod::Delete,
        };
        let invalid = |what: &str| TransportError::Other(format!("invalid request {what}"));
        outgoing.set_method(&method).map_err(|()| invalid("method"))?;
        outgoing.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
        outgoing.set_authority(Some(authority)).map_err(|()| invalid("authority"))?;
        outgoing.set_path_with_query(Some(path)).map_err(|()| invalid("path"))?;
        let body = outgoing.body().map_err(|()| invalid("body"))?;
        let options = RequestOptions::new();
        let _ = options.set_connect_timeout(Some(CONNECT_TIMEOUT.as_nanos() as u64));
        let _ = options.set_first_byte_timeout(Some(request.timeout.unwrap_or(FIRST_BYTE_TIMEOUT).as_nanos() as u64));
        let future = outgoing_handler::handle(outgoing, Some(options)).map_err(|c| code_error(&c))?;
        if has_body(request.method) {
            if let Err(e) = write_body(&body, &request.body) {
                // A refused request closes its body: report why it was refused.
                if let Some(Err(refused)) = take(&future) {
                    return Err(refused);
                }
                return Err(e);
            }
        }
        // A failed finish shows in the response, which is what we report.
        let _ = OutgoingBody::finish(body, None);
        self.next += 1;
        self.pending.push((self.next, future));
        Ok(self.next)
    }

    fn wait_any(&mut self) -> (Ticket, Result<Response, TransportError>) {
        assert!(!self.pending.is_empty(), "wait_any with nothing in flight");
        loop {
            for i in 0..self.pending.len() {
                if let Some(result) = take(&self.pending[i].1) {
                    let (ticket, _) = self.pending.swap_remove(i);
                    return (ticket, result);
                }
            }
            let pollables: Vec<_> = self.pending.iter().map(|(_, f)| f.subscribe()).collect();
            let refs: Vec<&poll::Pollable> = pollables.iter().collect();
            let _ = poll::poll(&refs);
        }
    }

    fn pending(&self) -> usize {
        self.pending.len()
    }

    fn sleep_ms(&mut self, millis: u64) {
        wasi::clocks::monotonic_clock::subscribe_duration(millis * 1_000_000).block();
    }
}
