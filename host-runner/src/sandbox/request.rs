//! Which requests the component may make, and as what: a table path needs
//! the `semantic` profile (without one PostgREST reaches `public`, past
//! row-level security), only the agent RPCs go without one, and every other
//! database function is refused (any of them may write, and on Supabase
//! `rpc/graphql` runs mutations). The answer is the kind of access, which
//! the gate weighs against the call's state (production, stopping).

use super::origin::Origin;
use super::rules::{Access, rules};

/// What the request is, or why it is refused. `route` is the path under
/// the origin (`Origin::route`).
pub fn classify(route: &str, method: &http::Method, headers: &http::HeaderMap) -> Result<Access, String> {
    let r = &rules().requests;
    let read_header = r.read_profile_header.as_str();
    let write_header = r.write_profile_header.as_str();
    for name in [read_header, write_header] {
        for value in headers.get_all(name) {
            if value.to_str().map(str::trim).ok() != Some(r.schema.as_str()) {
                return Err(format!("{name}: {} (only {})", String::from_utf8_lossy(value.as_bytes()), r.schema));
            }
        }
    }
    if let Some(function) = route.strip_prefix(r.rpc_prefix.as_str()) {
        if !r.agent_rpcs.iter().any(|f| f == function) {
            return Err(format!("{route}: only the agent RPCs ({}) may be called", r.agent_rpcs.join(", ")));
        }
        if method != http::Method::POST {
            return Err(format!("{method} {route}: the agent RPCs are called with POST"));
        }
        return Ok(Access::Read);
    }
    let Some(&access) = r.methods.get(method.as_str()) else {
        let allowed: Vec<&str> = r.methods.keys().map(String::as_str).collect();
        return Err(format!("{method} {route}: only {} requests", allowed.join(", ")));
    };
    let needed = if access == Access::Read { read_header } else { write_header };
    if headers.get(needed).is_none() {
        let what = if route.is_empty() { "the API root".to_string() } else { route.to_string() };
        return Err(format!("{method} {what} without {needed}: {} (a table is reached in schema {} only)", r.schema, r.schema));
    }
    Ok(access)
}

/// Whether the route calls the function that runs the component's queries
/// (`run_select_ws`): a read only when the warehouse makes it one.
pub fn is_query(route: &str) -> bool {
    route == "rpc/run_select_ws"
}

/// `classify` of a whole request URI: its route under `origin` first; the
/// route comes back with the access.
pub fn judge(origin: &Origin, method: &http::Method, uri: &http::Uri, headers: &http::HeaderMap) -> Result<(String, Access), String> {
    let route = origin.route(uri).ok_or_else(|| "not the configured REST API".to_string())?;
    let access = classify(&route, method, headers)?;
    Ok((route, access))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap())).collect()
    }

    #[test]
    fn tables_need_the_semantic_profile_for_their_method() {
        let read = headers(&[("accept-profile", "semantic")]);
        let write = headers(&[("content-profile", "semantic")]);
        assert_eq!(classify("dm_orders_shopify", &Method::GET, &read), Ok(Access::Read));
        assert_eq!(classify("dm_orders_shopify", &Method::HEAD, &read), Ok(Access::Read));
        assert_eq!(classify("dm_orders_shopify", &Method::POST, &write), Ok(Access::Write));
        assert_eq!(classify("dm_orders_shopify", &Method::DELETE, &write), Ok(Access::Delete));
        // Without it PostgREST takes the default schema, `public`.
        let why = classify("dm_orders_shopify", &Method::GET, &http::HeaderMap::new()).unwrap_err();
        assert!(why.contains("without accept-profile: semantic"), "{why}");
        assert!(classify("dm_orders_shopify", &Method::GET, &write).is_err(), "a read names its schema with accept-profile");
        assert!(classify("dm_orders_shopify", &Method::POST, &read).is_err(), "a write with content-profile");
        assert!(classify("", &Method::GET, &http::HeaderMap::new()).unwrap_err().contains("the API root"));
        assert_eq!(classify("", &Method::GET, &read), Ok(Access::Read));
    }

    #[test]
    fn another_schema_is_refused_whatever_the_path() {
        for path in ["dm_orders_shopify", "rpc/run_select_ws"] {
            let why = classify(path, &Method::GET, &headers(&[("accept-profile", "public")])).unwrap_err();
            assert!(why.contains("accept-profile: public (only semantic)"), "{why}");
            let why = classify(path, &Method::POST, &headers(&[("content-profile", "semantic"), ("accept-profile", "auth")])).unwrap_err();
            assert!(why.contains("only semantic"), "{why}");
        }
    }

    #[test]
    fn only_the_agent_rpcs_and_only_with_post() {
        for f in ["get_agent_available_tables", "get_agent_table_schema", "run_select_ws"] {
            assert_eq!(classify(&format!("rpc/{f}"), &Method::POST, &http::HeaderMap::new()), Ok(Access::Read), "{f}");
        }
        for path in ["rpc/graphql", "rpc/run_select_ws_x", "rpc/run_select_ws/x", "rpc/", "rpc/RUN_SELECT_WS"] {
            let why = classify(path, &Method::POST, &headers(&[("content-profile", "semantic")])).unwrap_err();
            assert!(why.contains("only the agent RPCs"), "{path}: {why}");
        }
        assert!(classify("rpc/run_select_ws", &Method::GET, &http::HeaderMap::new()).is_err());
    }

    #[test]
    fn nothing_updates_rows_in_place() {
        let write = headers(&[("content-profile", "semantic")]);
        for m in [Method::PATCH, Method::PUT, Method::OPTIONS] {
            let why = classify("dm_orders_shopify", &m, &write).unwrap_err();
            assert!(why.contains("only DELETE, GET, HEAD, POST requests"), "{why}");
        }
    }

    #[test]
    fn judge_routes_first() {
        let o = Origin::parse("https://abc.supabase.co/rest/v1").unwrap();
        let read = headers(&[("accept-profile", "semantic")]);
        let u = |s: &str| s.parse::<http::Uri>().unwrap();
        assert_eq!(judge(&o, &Method::GET, &u("https://abc.supabase.co/rest/v1/t?a=eq.1"), &read), Ok(("t".to_string(), Access::Read)));
        assert!(judge(&o, &Method::GET, &u("https://abc.supabase.co/auth/v1/user"), &read).unwrap_err().contains("not the configured"));
    }
}
