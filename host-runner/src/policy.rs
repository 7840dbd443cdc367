//! Which outgoing requests the component may make: to the configured
//! Supabase REST API (scheme, host, port, and the path the API lives under:
//! `/rest/v1/` on Supabase) and nowhere else, so the key the host adds is
//! never sent to Supabase's auth or storage APIs either. Plain `http` only
//! for loopback, where the local warehouse runs. No wasmtime types here:
//! the policy is data, tested on its own.

use std::fmt;
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Requests must stay under this path (ends with `/`).
    pub path: String,
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Origin {
    /// The origin of an absolute URL, refusing what the tool must not use.
    pub fn parse(url: &str) -> Result<Origin, String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("'{url}' is not a URL ({e})"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(format!("'{url}' must start with https:// (or http:// for a local warehouse)")),
        };
        let authority = uri.authority().ok_or_else(|| format!("'{url}' has no host"))?;
        if authority.as_str().contains('@') {
            return Err("the URL must not carry a user name or password; put the key in SUPABASE_SERVICE_ROLE_KEY".to_string());
        }
        let host = authority.host().to_ascii_lowercase();
        if !https && !is_loopback(&host) {
            return Err(format!("'{url}' must use https: plain http is only allowed for localhost"));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path = format!("{}/", uri.path().trim_end_matches('/'));
        Ok(Origin { https, host, port, path })
    }

    /// Whether a request URI goes to this origin.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return false,
        };
        let Some(authority) = uri.authority() else { return false };
        if authority.as_str().contains('@') {
            return false;
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path = uri.path();
        let under = path.starts_with(&self.path) || path == self.path.trim_end_matches('/');
        https == self.https && authority.host().eq_ignore_ascii_case(&self.host) && port == self.port && under && !path.contains("/../")
    }

    /// Whether a request changes data: anything but reads, where calling a
    /// database function (`rpc/`) counts as a read (the agent RPCs are).
    pub fn is_write(&self, method: &http::Method, uri: &http::Uri) -> bool {
        let rpc = uri.path().strip_prefix(&self.path).is_some_and(|rest| rest.starts_with("rpc/"));
        !(method == http::Method::GET || method == http::Method::HEAD || (method == http::Method::POST && rpc))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}{}", if self.https { "https" } else { "http" }, self.host, self.port, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> http::Uri {
        s.parse().unwrap()
    }

    #[test]
    fn only_the_configured_origin_is_allowed() {
        let o = Origin::parse("https://abc.supabase.co/rest/v1").unwrap();
        assert!(o.allows(&uri("https://abc.supabase.co/rest/v1/dm_orders_shopify?x=1")));
        assert!(o.allows(&uri("https://ABC.supabase.co:443/rest/v1")));
        assert!(!o.allows(&uri("https://abc.supabase.co:8443/rest/v1")));
        assert!(!o.allows(&uri("http://abc.supabase.co/rest/v1")));
        assert!(!o.allows(&uri("https://evil.example/abc.supabase.co")));
        assert!(!o.allows(&uri("https://abc.supabase.co.evil.example/")));
        assert!(!o.allows(&uri("https://user@abc.supabase.co/rest/v1/")));
        assert!(!o.allows(&uri("https://abc.supabase.co/auth/v1/admin/users")), "the key goes to the REST API only");
        assert!(!o.allows(&uri("https://abc.supabase.co/storage/v1/object")));
        assert!(!o.allows(&uri("https://abc.supabase.co/rest/v1/../auth/v1/")));
        assert!(!o.allows(&uri("https://abc.supabase.co/rest/v10/")));
    }

    #[test]
    fn writes_are_told_from_reads() {
        let o = Origin::parse("https://abc.supabase.co/rest/v1").unwrap();
        let u = |s: &str| uri(s);
        assert!(!o.is_write(&http::Method::HEAD, &u("https://abc.supabase.co/rest/v1/t")));
        assert!(!o.is_write(&http::Method::POST, &u("https://abc.supabase.co/rest/v1/rpc/run_select_ws")));
        assert!(o.is_write(&http::Method::POST, &u("https://abc.supabase.co/rest/v1/dm_orders_shopify")));
        assert!(o.is_write(&http::Method::DELETE, &u("https://abc.supabase.co/rest/v1/dm_orders_shopify?a=eq.1")));
    }

    #[test]
    fn plain_http_only_for_loopback() {
        let local = Origin::parse("http://127.0.0.1:54330").unwrap();
        assert!(local.allows(&uri("http://127.0.0.1:54330/rpc/x")));
        assert!(!local.allows(&uri("http://127.0.0.1:54331/")));
        assert!(Origin::parse("http://db.example.com").unwrap_err().contains("https"));
        assert!(Origin::parse("http://127.evil.example").unwrap_err().contains("https"), "a name is not a loopback address");
        assert!(Origin::parse("http://[::1]:8080").is_ok());
        assert!(Origin::parse("ftp://x").is_err());
        assert!(Origin::parse("https://u:p@x.supabase.co").unwrap_err().contains("password"));
    }
}
