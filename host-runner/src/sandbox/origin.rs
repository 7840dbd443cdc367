//! Where requests may go: the configured Supabase REST API (scheme, host,
//! port, and the path it lives under: `/rest/v1/` on Supabase) and nowhere
//! else, so the key the host adds never reaches Supabase's auth or storage
//! APIs either. Plain `http` only for loopback, where the local warehouse
//! runs. Paths are judged as the server will see them: percent-decoded.

use std::fmt;
use std::net::IpAddr;

use super::rules::rules;

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

fn plain_http_allowed(host: &str) -> bool {
    rules().requests.plain_http_hosts == "loopback" && is_loopback(host)
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
        if !https && !plain_http_allowed(&host) {
            return Err(format!("'{url}' must use https: plain http is only allowed for localhost"));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path = format!("{}/", uri.path().trim_end_matches('/'));
        Ok(Origin { https, host, port, path })
    }

    /// The request's path under this origin (decoded, without the origin's
    /// path: `dm_orders_shopify`, `rpc/run_select_ws`, `` for the root), or
    /// None when it goes anywhere else.
    pub fn route(&self, uri: &http::Uri) -> Option<String> {
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return None,
        };
        let authority = uri.authority()?;
        if authority.as_str().contains('@') {
            return None;
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        if https != self.https || !authority.host().eq_ignore_ascii_case(&self.host) || port != self.port {
            return None;
        }
        let path = clean_path(uri.path()).ok()?;
        if path == self.path.trim_end_matches('/') {
            return Some(String::new());
        }
        path.strip_prefix(&self.path).map(str::to_string)
    }

    /// Whether a request URI goes to this origin.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        self.route(uri).is_some()
    }
}

/// The path as the server will see it, percent-decoded, or why it is
/// refused: encoded dots, slashes and backslashes (servers and proxies
/// decode them differently, which is how `/rest/v1/%2e%2e/auth` escapes a
/// prefix check), raw backslashes, control characters, and `.` or `..`
/// segments. The tool's own paths need none of these.
pub fn clean_path(raw: &str) -> Result<String, String> {
    let r = &rules().requests;
    if raw.contains('\\') {
        return Err("a backslash in the path".into());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or("a malformed %-escape in the path")?;
            if r.refused_encoded_characters.iter().any(|c| c.as_bytes() == [hex]) {
                return Err(format!("an encoded '{}' in the path", hex as char));
            }
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let path = String::from_utf8(out).map_err(|_| "a path that is not UTF-8")?;
    if path.chars().any(char::is_control) {
        return Err("a control character in the path".into());
    }
    if path.split('/').any(|segment| r.refused_segments.iter().any(|s| s == segment)) {
        return Err("a '.' or '..' segment in the path".into());
    }
    Ok(path)
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
        assert_eq!(o.route(&uri("https://abc.supabase.co/rest/v1/dm_orders_shopify?x=1")).as_deref(), Some("dm_orders_shopify"));
        assert_eq!(o.route(&uri("https://ABC.supabase.co:443/rest/v1")).as_deref(), Some(""));
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
    fn encoded_escapes_are_refused() {
        let o = Origin::parse("https://abc.supabase.co/rest/v1").unwrap();
        for path in [
            "/rest/v1/%2e%2e/auth/v1/admin/users",
            "/rest/v1/%2E%2E/auth/v1/",
            "/rest/v1/..%2fauth/v1/",
            "/rest/v1/.%2e/auth/v1/",
            "/rest/v1/%2e./auth/v1/",
            "/rest/v1/..%5cauth",
            "/rest/v1/./dm_orders_shopify",
            "/rest/v1/dm%00x",
            "/rest/v1/%zz",
        ] {
            assert!(!o.allows(&uri(&format!("https://abc.supabase.co{path}"))), "{path}");
        }
        assert!(o.allows(&uri("https://abc.supabase.co/rest/v1/dm_orders_shopify")));
        assert!(o.allows(&uri("https://abc.supabase.co/rest/v1/caf%C3%A9")), "other escapes decode");
        assert_eq!(clean_path("/rest/v1/%2e%2e/x").unwrap_err(), "an encoded '.' in the path");
        assert!(clean_path("/rest/v1/..\\auth").is_err(), "http::Uri may let a backslash through");
    }

    #[test]
    fn plain_http_only_for_loopback() {
        let local = Origin::parse("http://127.0.0.1:54330").unwrap();
        assert_eq!(local.route(&uri("http://127.0.0.1:54330/rpc/x")).as_deref(), Some("rpc/x"));
        assert!(!local.allows(&uri("http://127.0.0.1:54331/")));
        assert!(Origin::parse("http://db.example.com").unwrap_err().contains("https"));
        assert!(Origin::parse("http://127.evil.example").unwrap_err().contains("https"), "a name is not a loopback address");
        assert!(Origin::parse("http://[::1]:8080").is_ok());
        assert!(Origin::parse("ftp://x").is_err());
        assert!(Origin::parse("https://u:p@x.supabase.co").unwrap_err().contains("password"));
    }
}
