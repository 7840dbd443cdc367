//! The tools for generic agent hosts: definitions as JSON Schema (flat
//! objects, string enums, no anyOf/oneOf, as OpenClaw and strict OpenAI
//! functions want) and one entry point taking a tool name and JSON
//! arguments. Every answer is a JSON object with `success`; a failure adds
//! `error: {kind, message}`. A status report sits under `report`, since
//! OpenClaw reads a top-level `status` as the call's own state.

use serde_json::{Map, Value as Json, json};

use crate::api::types::{CleanRequest, GenerateRequest};
use crate::core::strategy::Strategy;
use crate::error::{ErrorKind, Result, ToolError};
use crate::platforms;
use crate::service::{self, Host};
use crate::supabase::inserter::Conflict;
use crate::supabase::transport::Transport;

pub const GENERATE: &str = "generate_mock_data";
pub const STATUS: &str = "get_mock_data_status";
pub const CLEAN: &str = "clean_mock_data";

fn platform_enum(with_all: bool) -> Vec<&'static str> {
    let mut names = platforms::names();
    if with_all {
        names.push("all");
    }
    names
}

fn env_schema() -> Json {
    json!({"type": "string", "description": "Environment from the host's configuration: local, staging or production. Default: MOCK_DATA_ENV, else the configuration's defaultEnv, else staging."})
}

/// The three tools' definitions: `[{name, title, description, inputSchema,
/// outputSchema, annotations}]`. The annotations are what hosts use to
/// decide whether to ask the user first: status only reads, clean destroys
/// (only the tool's own rows, but rows all the same), generate adds.
pub fn definitions() -> Json {
    json!([
        {
            "name": GENERATE,
            "title": "Generate mock data",
            "annotations": {"title": "Generate mock data", "readOnlyHint": false, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false},
            "outputSchema": answer_schema(generate_properties()),
            "description": "Generate realistic, correlated mock data (orders that reference real products and customers, totals that add up, pixel funnels, ad metrics) for a platform's warehouse tables in a Supabase workspace. Reads what the workspace holds first and extends it in the same shape. Every generated row is marked with a run id, so clean_mock_data can remove exactly those rows.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": platform_enum(true), "description": "Platform to generate, or all."},
                    "strategy": {"type": "string", "enum": Strategy::ALL.map(Strategy::name), "description": "smart (default): scale the workspace's own orders (under 50 x5, 50-200 x2, over 200 +20%, 10 to 1000; rows of earlier runs do not count; the result says which rule applied); minimal: about 10 orders; comprehensive: about 500."},
                    "force_count": {"type": "integer", "minimum": 1, "description": "Exact number of orders (for google-ads: of order-equivalents that size the campaigns), overriding the strategy. Not capped."},
                    "env": env_schema(),
                    "dry_run": {"type": "boolean", "description": "Generate and validate everything but write nothing; returns counts and sample rows."},
                    "seed": {"type": "integer", "minimum": 0, "description": "Same seed over the same data gives the same rows; the seed also fixes the run id."},
                    "conflict": {"type": "string", "enum": ["fail", "skip", "update"], "description": "When the seed's run already has rows: fail (default) writes nothing; skip keeps them; update writes them again."},
                    "batch_size": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "Rows per insert request (default 1000)."},
                    "max_in_flight": {"type": "integer", "minimum": 1, "maximum": crate::service::generate::MAX_IN_FLIGHT, "description": "Insert requests in flight at most (default 16); below it the window adapts to the warehouse."},
                    "confirm_production": {"type": "boolean", "description": "Must be true to write to a production environment."},
                    "as_of": {"type": "string", "description": "End of the generated period, a date (YYYY-MM-DD) or RFC 3339 time. Default: today (UTC)."}
                },
                "required": ["platform"],
                "additionalProperties": false
            }
        },
        {
            "name": STATUS,
            "title": "Mock data status",
            "annotations": {"title": "Mock data status", "readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false},
            "outputSchema": answer_schema(status_properties()),
            "description": "Show, per warehouse table, how many rows the workspace has and how many this tool generated, and the generation runs those rows belong to.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": platform_enum(true), "description": "Platform to report on (default: all)."},
                    "env": env_schema()
                },
                "additionalProperties": false
            }
        },
        {
            "name": CLEAN,
            "title": "Clean mock data",
            "annotations": {"title": "Clean mock data", "readOnlyHint": false, "destructiveHint": true, "idempotentHint": true, "openWorldHint": false},
            "outputSchema": answer_schema(clean_properties()),
            "description": "Delete mock data this tool generated (all runs, or one run), children before parents. Never touches rows the tool did not create. Requires confirm: true.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": platform_enum(true), "description": "Platform to clean, or all."},
                    "confirm": {"type": "boolean", "description": "Must be true; otherwise nothing is deleted."},
                    "run_id": {"type": "string", "description": "Only this run's rows (as printed by generate and status)."},
                    "env": env_schema(),
                    "confirm_production": {"type": "boolean", "description": "Must be true to delete from a production environment."}
                },
                "required": ["platform", "confirm"],
                "additionalProperties": false
            }
        }
    ])
}

/// The schema of every answer: `success`, and `error` when it is false;
/// the tool's own fields when it is true.
fn answer_schema(mut properties: Json) -> Json {
    properties["success"] = json!({"type": "boolean", "description": "Whether the tool did what was asked."});
    properties["error"] = json!({
        "type": "object",
        "description": "Present when success is false: what went wrong and how to fix it.",
        "properties": {"kind": {"type": "string", "enum": ErrorKind::ALL.map(ErrorKind::name)}, "message": {"type": "string"}},
        "required": ["kind", "message"]
    });
    json!({"type": "object", "properties": properties, "required": ["success"]})
}

fn strings() -> Json {
    json!({"type": "array", "items": {"type": "string"}})
}

fn generate_properties() -> Json {
    let count = json!({"type": "integer", "minimum": 0});
    json!({
        "run_id": {"type": "string", "description": "The run's id: status lists it, clean_mock_data with run_id removes exactly its rows."},
        "seed": count,
        "environment": {"type": "string"},
        "dry_run": {"type": "boolean"},
        "platforms": {"type": "array", "items": {"type": "object", "properties": {
            "platform": {"type": "string"},
            "tables": {"type": "array", "items": {"type": "object", "properties": {"table": {"type": "string"}, "inserted": count, "failed": count}}},
            "total_records": count,
            "outcome": {"type": "string", "enum": ["success", "dry-run", "rolled-back", "failed"]}
        }}},
        "total_records": count,
        "summary": {"type": "string"},
        "warnings": strings(),
        "execution_time_ms": count,
        "peak_in_flight": count,
        "samples": {"type": "array", "items": {"type": "object", "properties": {"table": {"type": "string"}, "rows_json": {"type": "array"}}}},
        "analysis": {"type": "array", "description": "What the workspace showed, per platform and aspect.", "items": {"type": "object", "properties": {
            "platform": {"type": "string"},
            "findings": {"type": "array", "items": {"type": "object", "properties": {
                "analyzer": {"type": "string"}, "aspect": {"type": "string"}, "source": {"type": "string", "enum": ["workspace", "defaults"]},
                "rows": count, "summary": {"type": "string"}, "figures": {"type": "object"}
            }}},
            "warnings": strings()
        }}}
    })
}

fn status_properties() -> Json {
    let count = json!({"type": "integer", "minimum": 0});
    json!({
        "report": {"type": "object", "properties": {
            "environment": {"type": "string"},
            "workspace_id": {"type": "string"},
            "tables": {"type": "array", "items": {"type": "object", "properties": {
                "table": {"type": "string"}, "platform": {"type": "string"}, "total_rows": count, "generated_rows": count
            }}},
            "runs": {"type": "array", "items": {"type": "object", "properties": {
                "run_id": {"type": "string"}, "platforms": strings(), "rows": count,
                "first_row_at": {"type": ["string", "null"]}, "last_row_at": {"type": ["string", "null"]}
            }}},
            "warnings": strings()
        }}
    })
}

fn clean_properties() -> Json {
    let count = json!({"type": "integer", "minimum": 0});
    json!({
        "environment": {"type": "string"},
        "tables": {"type": "array", "items": {"type": "object", "properties": {"table": {"type": "string"}, "rows": count}}},
        "deleted": count,
        "summary": {"type": "string"},
        "warnings": strings()
    })
}

/// Arguments as given, with lookups that name what is wrong.
struct Args<'a> {
    tool: &'a str,
    map: Map<String, Json>,
}

/// `forceCount`, `force-count` and `force_count` are the same argument.
fn normalise(key: &str) -> String {
    key.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

impl<'a> Args<'a> {
    fn parse(tool: &'a str, text: &str, allowed: &[&str]) -> Result<Args<'a>> {
        let value: Json = if text.trim().is_empty() {
            json!({})
        } else {
            serde_json::from_str(text).map_err(|e| {
                ToolError::invalid(format!(
                    "{tool}: the arguments are not valid JSON ({e}); pass an object such as {{\"platform\": \"shopify\"}}"
                ))
            })?
        };
        let Json::Object(given) = value else {
            return Err(ToolError::invalid(format!("{tool}: the arguments must be a JSON object, such as {{\"platform\": \"shopify\"}}")));
        };
        let mut map = Map::new();
        for (key, v) in given {
            let Some(name) = allowed.iter().find(|a| normalise(a) == normalise(&key)) else {
                return Err(ToolError::invalid(format!("{tool}: unknown argument '{key}'; the arguments are {}", allowed.join(", "))));
            };
            map.insert(name.to_string(), v);
        }
        Ok(Args { tool, map })
    }

    fn get(&self, key: &str) -> Option<&Json> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(Json::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(ToolError::invalid(format!("{}: {key} must be a string, not {other}", self.tool))),
        }
    }

    fn required_string(&self, key: &str, hint: &str) -> Result<String> {
        self.string(key)?.ok_or_else(|| ToolError::invalid(format!("{}: {key} is required ({hint})", self.tool)))
    }

    fn bool(&self, key: &str) -> Result<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(Json::Bool(b)) => Ok(*b),
            Some(Json::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
            Some(Json::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
            Some(other) => Err(ToolError::invalid(format!("{}: {key} must be true or false, not {other}", self.tool))),
        }
    }

    /// A whole number; agents sometimes send numbers as strings.
    fn uint(&self, key: &str) -> Result<Option<u64>> {
        let bad = |v: &Json| ToolError::invalid(format!("{}: {key} must be a whole number of 0 or more, not {v}", self.tool));
        match self.get(key) {
            None => Ok(None),
            Some(v @ Json::Number(n)) => n.as_u64().map(Some).ok_or_else(|| bad(v)),
            Some(v @ Json::String(s)) => s.trim().parse().map(Some).map_err(|_| bad(v)),
            Some(v) => Err(bad(v)),
        }
    }
}

pub fn generate_request(text: &str) -> Result<GenerateRequest> {
    let a = Args::parse(
        GENERATE,
        text,
        &[
            "platform",
            "strategy",
            "force_count",
            "env",
            "dry_run",
            "seed",
            "conflict",
            "batch_size",
            "max_in_flight",
            "confirm_production",
            "as_of",
        ],
    )?;
    let strategy = match a.string("strategy")? {
        None => Strategy::Smart,
        Some(s) => Strategy::parse(&s)
            .ok_or_else(|| ToolError::invalid(format!("{GENERATE}: unknown strategy '{s}'; use smart, minimal or comprehensive")))?,
    };
    let conflict = match a.string("conflict")?.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("fail") => Conflict::Fail,
        Some("skip") => Conflict::Skip,
        Some("update") => Conflict::Update,
        Some(other) => return Err(ToolError::invalid(format!("{GENERATE}: unknown conflict policy '{other}'; use fail, skip or update"))),
    };
    let small = |key: &str| -> Result<Option<u32>> {
        match a.uint(key)? {
            Some(n) => Ok(Some(u32::try_from(n).map_err(|_| ToolError::invalid(format!("{GENERATE}: {key} {n} is too large")))?)),
            None => Ok(None),
        }
    };
    let (batch_size, max_in_flight) = (small("batch_size")?, small("max_in_flight")?);
    Ok(GenerateRequest {
        platform: a.required_string("platform", "shopify, bigcommerce, woocommerce, magento, google-ads or all")?,
        strategy,
        force_count: a.uint("force_count")?,
        environment: a.string("env")?,
        dry_run: a.bool("dry_run")?,
        seed: a.uint("seed")?,
        conflict,
        batch_size,
        confirm_production: a.bool("confirm_production")?,
        as_of: a.string("as_of")?,
        // Files are for people at a terminal; agents write to the warehouse.
        output_format: None,
        workspace: None,
        max_in_flight,
    })
}

pub fn clean_request(text: &str) -> Result<CleanRequest> {
    let a = Args::parse(CLEAN, text, &["platform", "confirm", "run_id", "env", "confirm_production"])?;
    Ok(CleanRequest {
        platform: a.required_string("platform", "a platform name or all")?,
        confirm: a.bool("confirm")?,
        run_id: a.string("run_id")?,
        environment: a.string("env")?,
        confirm_production: a.bool("confirm_production")?,
    })
}

fn status_args(text: &str) -> Result<(Option<String>, Option<String>)> {
    let a = Args::parse(STATUS, text, &["platform", "env"])?;
    Ok((a.string("platform")?, a.string("env")?))
}

fn failure(e: &ToolError) -> Json {
    json!({"success": false, "error": {"kind": e.kind.name(), "message": e.message}})
}

fn object(value: impl serde::Serialize) -> Json {
    serde_json::to_value(value).expect("results serialise")
}

/// Runs tool `name` with JSON `arguments`; always answers a JSON object.
pub fn call<T: Transport>(host: &mut dyn Host, transport: impl FnOnce() -> T, name: &str, arguments: &str) -> String {
    let answer: Result<Json> = match name {
        GENERATE => generate_request(arguments).and_then(|r| service::generate::generate(host, transport(), &r)).map(object),
        STATUS => status_args(arguments)
            .and_then(|(p, e)| service::status::status(host, transport(), p.as_deref(), e.as_deref()))
            .map(|report| json!({"success": true, "report": report})),
        CLEAN => clean_request(arguments).and_then(|r| service::clean::clean(host, transport(), &r)).map(|r| {
            let mut v = object(r);
            v["success"] = json!(true);
            v
        }),
        other => Err(ToolError::invalid(format!("unknown tool '{other}'; the tools are {GENERATE}, {STATUS} and {CLEAN}"))),
    };
    match answer {
        Ok(v) => v.to_string(),
        Err(e) => failure(&e).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_flat_objects_with_string_enums() {
        let defs = definitions();
        let tools = defs.as_array().unwrap();
        assert_eq!(tools.len(), 3);
        for t in tools {
            let name = t["name"].as_str().unwrap();
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && name.len() <= 64);
            let schema = &t["inputSchema"];
            assert_eq!(schema["type"], "object");
            assert_eq!(schema["additionalProperties"], false);
            let text = schema.to_string();
            assert!(!text.contains("anyOf") && !text.contains("oneOf") && !text.contains("allOf"));
            for (_, p) in schema["properties"].as_object().unwrap() {
                assert!(p["type"].is_string(), "{p}");
                if let Some(e) = p.get("enum") {
                    assert!(e.as_array().unwrap().iter().all(Json::is_string));
                }
            }
        }
        assert!(tools[0]["inputSchema"]["properties"]["platform"]["enum"].as_array().unwrap().contains(&json!("all")));
        // What hosts ask the user about: status reads, clean destroys, generate adds.
        let hint = |i: usize, k: &str| tools[i]["annotations"][k].as_bool();
        assert_eq!((hint(0, "readOnlyHint"), hint(0, "destructiveHint")), (Some(false), Some(false)));
        assert_eq!(hint(1, "readOnlyHint"), Some(true));
        assert_eq!((hint(2, "readOnlyHint"), hint(2, "destructiveHint")), (Some(false), Some(true)));
        for t in tools {
            assert!(t["title"].is_string());
            assert_eq!(t["outputSchema"]["type"], "object");
            assert_eq!(t["outputSchema"]["required"], json!(["success"]));
        }
    }

    #[test]
    fn answers_have_the_fields_their_output_schema_names() {
        // A failure: success and error, as the schema of every tool says.
        let answer: Json = serde_json::from_str(&failure(&ToolError::invalid("x")).to_string()).unwrap();
        for t in definitions().as_array().unwrap() {
            let props = &t["outputSchema"]["properties"];
            for key in answer.as_object().unwrap().keys() {
                assert!(props.get(key).is_some(), "{}: {key}", t["name"]);
            }
            let kinds = props["error"]["properties"]["kind"]["enum"].as_array().unwrap();
            assert!(kinds.contains(&answer["error"]["kind"]));
        }
        // A clean and a status: every field they serialise is in their schema.
        let clean = object(crate::api::types::CleanResult {
            environment: "e".into(),
            tables: vec![],
            deleted: 0,
            summary: "s".into(),
            warnings: vec![],
        });
        let props = &definitions()[2]["outputSchema"]["properties"];
        assert!(clean.as_object().unwrap().keys().all(|k| props.get(k).is_some()), "{clean}");
        let status = object(crate::api::types::StatusReport {
            environment: "e".into(),
            workspace_id: "w".into(),
            tables: vec![],
            runs: vec![],
            warnings: vec![],
        });
        let props = &definitions()[1]["outputSchema"]["properties"]["report"]["properties"];
        assert!(status.as_object().unwrap().keys().all(|k| props.get(k).is_some()), "{status}");
    }

    #[test]
    fn arguments_are_checked_with_clear_messages() {
        let r = generate_request(r#"{"platform":"shopify","forceCount":"250","dry-run":true,"seed":7,"max_in_flight":4}"#).unwrap();
        assert_eq!((r.force_count, r.dry_run, r.seed, r.max_in_flight), (Some(250), true, Some(7), Some(4)));
        let e = generate_request(r#"{"platform":"shopify","colour":"red"}"#).unwrap_err();
        assert!(e.message.contains("unknown argument 'colour'"), "{}", e.message);
        let e = generate_request(r#"{"platform":"shopify","strategy":"huge"}"#).unwrap_err();
        assert!(e.message.contains("unknown strategy 'huge'"));
        let e = generate_request(r#"{"platform":"shopify","force_count":-3}"#).unwrap_err();
        assert!(e.message.contains("force_count must be a whole number"), "{}", e.message);
        let e = generate_request(r#"{}"#).unwrap_err();
        assert!(e.message.contains("platform is required"));
        assert!(generate_request("[1]").unwrap_err().message.contains("must be a JSON object"));
        let c = clean_request(r#"{"platform":"all","confirm":true,"run_id":"00042"}"#).unwrap();
        assert!(c.confirm && c.run_id.as_deref() == Some("00042"));
    }
}
