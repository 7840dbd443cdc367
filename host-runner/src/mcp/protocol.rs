//! JSON-RPC 2.0 as MCP (2025-11-25) uses it, on one line of stdio: what a
//! line holds (a request, a notification, a client's response, a batch, or
//! something invalid), and the answers the specification prescribes for
//! what is wrong with it. Pure: no I/O, no component.

use rmcp::model::{ErrorCode, ProtocolVersion};
use serde_json::{Map, Value, json};

/// The protocol versions this server speaks, newest first.
pub const SUPPORTED: [ProtocolVersion; 4] =
    [ProtocolVersion::V_2025_11_25, ProtocolVersion::V_2025_06_18, ProtocolVersion::V_2025_03_26, ProtocolVersion::V_2024_11_05];

/// The version to answer `initialize` with: the client's when this server
/// speaks it, else the newest this server speaks (the client then decides
/// whether it can go on).
pub fn negotiate(requested: Option<&str>) -> ProtocolVersion {
    SUPPORTED.iter().find(|v| Some(v.as_str()) == requested).unwrap_or(&SUPPORTED[0]).clone()
}

/// One message, checked.
#[derive(Debug, PartialEq)]
pub enum Message {
    /// A request: answered once (unless cancelled).
    Request { id: Value, method: String, params: Map<String, Value> },
    /// A notification: never answered.
    Notification { method: String, params: Map<String, Value> },
    /// The client's answer to a request of ours (we send none): ignored.
    Response,
    /// Not a valid message: the error answer to send.
    Invalid(Value),
}

/// What one line holds.
#[derive(Debug, PartialEq)]
pub enum Line {
    One(Message),
    /// A JSON-RPC batch: each answered, the answers sent as one array.
    Batch(Vec<Message>),
    /// Not JSON, or an empty batch: the error answer to send.
    Bad(Value),
}

pub fn error(id: Value, code: ErrorCode, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code.0, "message": message.into()}})
}

pub fn result(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// Reads one line (UTF-8 already checked).
pub fn parse(text: &str) -> Line {
    match serde_json::from_str::<Value>(text) {
        Err(e) => Line::Bad(error(Value::Null, ErrorCode::PARSE_ERROR, format!("parse error: {e}"))),
        Ok(Value::Array(items)) if items.is_empty() => {
            Line::Bad(error(Value::Null, ErrorCode::INVALID_REQUEST, "invalid request: an empty batch"))
        }
        Ok(Value::Array(items)) => Line::Batch(items.into_iter().map(message).collect()),
        Ok(value) => Line::One(message(value)),
    }
}

/// An id MCP allows: a string or an integer (never null).
fn valid_id(id: &Value) -> bool {
    id.is_string() || id.is_i64() || id.is_u64()
}

fn message(value: Value) -> Message {
    let Value::Object(mut m) = value else {
        return Message::Invalid(error(Value::Null, ErrorCode::INVALID_REQUEST, "invalid request: a message must be a JSON object"));
    };
    let id = m.remove("id");
    // Echo a usable id in the error; an unusable one cannot be echoed.
    let reply_id = id.clone().filter(valid_id).unwrap_or(Value::Null);
    let invalid = |why: &str| Message::Invalid(error(reply_id.clone(), ErrorCode::INVALID_REQUEST, format!("invalid request: {why}")));
    if m.get("jsonrpc") != Some(&json!("2.0")) {
        return invalid("\"jsonrpc\" must be \"2.0\"");
    }
    if let Some(id) = &id
        && !valid_id(id)
    {
        return invalid("the id must be a string or an integer");
    }
    let method = match m.remove("method") {
        Some(Value::String(method)) => method,
        Some(_) => return invalid("\"method\" must be a string"),
        None if id.is_some() && (m.contains_key("result") || m.contains_key("error")) => return Message::Response,
        None => return invalid("no \"method\""),
    };
    let params = match m.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params,
        Some(_) => return invalid("\"params\" must be an object"),
    };
    match id {
        Some(id) => Message::Request { id, method, params },
        None => Message::Notification { method, params },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(v: &Value) -> i64 {
        v["error"]["code"].as_i64().unwrap()
    }

    #[test]
    fn versions_are_negotiated_not_echoed() {
        assert_eq!(negotiate(Some("2025-06-18")).as_str(), "2025-06-18");
        assert_eq!(negotiate(Some("2024-11-05")).as_str(), "2024-11-05");
        assert_eq!(negotiate(Some("1999-01-01")).as_str(), "2025-11-25");
        assert_eq!(negotiate(Some("2026-07-28")).as_str(), "2025-11-25", "a version without initialize is not ours");
        assert_eq!(negotiate(None).as_str(), "2025-11-25");
    }

    #[test]
    fn requests_notifications_and_responses() {
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Line::One(Message::Request { id: json!(1), method: "ping".into(), params: Map::new() })
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Line::One(Message::Notification { method: "notifications/initialized".into(), params: Map::new() })
        );
        assert_eq!(parse(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#), Line::One(Message::Response));
    }

    #[test]
    fn invalid_requests_get_minus_32600_with_their_id_when_it_can_be_read() {
        for (text, id) in [
            (r#"{"jsonrpc":"2.0","id":3,"params":{}}"#, json!(3)),
            (r#"{"jsonrpc":"1.0","id":"x","method":"ping"}"#, json!("x")),
            (r#"{"id":4,"method":"ping"}"#, json!(4)),
            (r#"{"jsonrpc":"2.0","id":5,"method":7}"#, json!(5)),
            (r#"{"jsonrpc":"2.0","id":6,"method":"ping","params":[1]}"#, json!(6)),
            (r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, Value::Null),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, Value::Null),
            (r#"42"#, Value::Null),
        ] {
            let Line::One(Message::Invalid(e)) = parse(text) else { panic!("{text}") };
            assert_eq!((code(&e), &e["id"]), (-32600, &id), "{text}");
        }
        let Line::Bad(e) = parse("{not json") else { panic!() };
        assert_eq!(code(&e), -32700);
        let Line::Bad(e) = parse("[]") else { panic!() };
        assert_eq!(code(&e), -32600);
    }

    #[test]
    fn a_batch_is_its_messages() {
        let Line::Batch(items) = parse(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"x"},5]"#) else { panic!() };
        assert!(matches!(items[0], Message::Request { .. }));
        assert!(matches!(items[1], Message::Notification { .. }));
        assert!(matches!(items[2], Message::Invalid(_)));
    }
}
