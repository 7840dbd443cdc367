//! The seam between PostgREST requests and the network. The component uses
//! wasi-http (`supabase::wasi`); native tests use a scripted fake.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Patch,
    Delete,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Absolute URL, query string included.
    pub url: String,
    /// Lower-case names. Never credentials: the host adds those.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How long to wait for the answer to start; None: the transport's
    /// default. A request with its own limit is not tried again when it
    /// passes it: a slow query stays slow.
    pub timeout: Option<std::time::Duration>,
}

impl Request {
    pub fn new(method: Method, url: String) -> Request {
        Request { method, url, headers: Vec::new(), body: Vec::new(), timeout: None }
    }

    pub fn timeout(mut self, limit: std::time::Duration) -> Request {
        self.timeout = Some(limit);
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn json_body(mut self, body: Vec<u8>) -> Request {
        self.body = body;
        self.header("content-type", "application/json")
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The path and query, for messages (the host is configuration).
    pub fn target(&self) -> &str {
        self.url.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or(&self.url)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The host refused the request (not the configured Supabase host).
    Denied(String),
    /// Could not connect, or the connection broke: worth retrying.
    Connection(String),
    /// Anything else (a malformed request): not worth retrying.
    Other(String),
}

impl TransportError {
    /// The answer did not start (or stopped) within the time allowed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, TransportError::Connection(m) if m.contains("ConnectionReadTimeout") || m.contains("HttpResponseTimeout"))
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Denied(m) => write!(f, "the host denied the request: {m}"),
            TransportError::Connection(m) => write!(f, "connection failed: {m}"),
            TransportError::Other(m) => f.write_str(m),
        }
    }
}

pub type Ticket = u64;

pub trait Transport {
    /// Sends one request and waits for its response.
    fn send(&mut self, request: &Request) -> Result<Response, TransportError>;
    /// Starts a request and returns at once; `wait_any` collects it.
    fn start(&mut self, request: &Request) -> Result<Ticket, TransportError>;
    /// Waits until one started request has finished.
    fn wait_any(&mut self) -> (Ticket, Result<Response, TransportError>);
    /// Requests started and not yet collected.
    fn pending(&self) -> usize;
    fn sleep_ms(&mut self, millis: u64);
}

/// A scripted transport for native tests: answers from a handler and keeps
/// every request it saw.
pub struct FakeTransport<H: FnMut(&Request) -> Result<Response, TransportError>> {
    pub handler: H,
    pub seen: Vec<Request>,
    pub slept_ms: u64,
    queue: std::collections::VecDeque<(Ticket, Result<Response, TransportError>)>,
    next: Ticket,
}

impl<H: FnMut(&Request) -> Result<Response, TransportError>> FakeTransport<H> {
    pub fn new(handler: H) -> Self {
        FakeTransport { handler, seen: Vec::new(), slept_ms: 0, queue: Default::default(), next: 0 }
    }
}

impl<H: FnMut(&Request) -> Result<Response, TransportError>> Transport for FakeTransport<H> {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError> {
        self.seen.push(request.clone());
        (self.handler)(request)
    }

    fn start(&mut self, request: &Request) -> Result<Ticket, TransportError> {
        let answer = self.send(request);
        self.next += 1;
        self.queue.push_back((self.next, answer));
        Ok(self.next)
    }

    fn wait_any(&mut self) -> (Ticket, Result<Response, TransportError>) {
        self.queue.pop_front().expect("wait_any with nothing started")
    }

    fn pending(&self) -> usize {
        self.queue.len()
    }

    fn sleep_ms(&mut self, millis: u64) {
        self.slept_ms += millis;
    }
}

pub fn response(status: u16, body: &str) -> Response {
    Response { status, headers: Vec::new(), body: body.as_bytes().to_vec() }
}
