//! What status and clean read before anything else, in one round trip:
//! every table's live columns, the census (`census`) and the warehouse's
//! foreign keys. The census needs the plans the columns give, so it is
//! sent at the same time built from the layout the tool expects
//! (`model::layout`); when the live plans give the very same query, its
//! answer stands, otherwise the query is sent again from the live plans.

use std::collections::HashMap;

use crate::core::keys::{KeyKind, Scope};
use crate::error::Result;
use crate::model::layout;
use crate::model::plan::ColumnPlan;
use crate::model::table::TableSpec;
use crate::platforms::Platform;
use crate::service::census::{self, Census, Want};
use crate::service::foreign_keys::{self, ForeignKey};
use crate::service::{Purpose, plans_from_columns};
use crate::supabase::client::{Client, MAX_TOGETHER, columns_of, json_of};
use crate::supabase::transport::{Request, Transport};

pub struct Survey {
    pub plans: HashMap<&'static str, ColumnPlan>,
    pub census: Census,
    /// None when the catalog could not be read (`keys_error` says why).
    pub keys: Option<Vec<ForeignKey>>,
    pub keys_error: Option<String>,
}

/// What to ask for besides the plans.
#[derive(Clone, Copy, Debug)]
pub struct Ask {
    pub census: Want,
    /// The warehouse's foreign keys (clean).
    pub keys: bool,
}

pub fn survey<T: Transport>(
    client: &mut Client<T>,
    platforms: &[&'static dyn Platform],
    ws: &str,
    ask: Ask,
    warnings: &mut Vec<String>,
) -> Result<Survey> {
    let specs: Vec<&'static TableSpec> = platforms.iter().flat_map(|p| p.tables().iter().copied()).collect();
    let mut requests: Vec<(String, Request)> = specs.iter().map(|s| client.schema_request(s.name)).collect();
    // A query per table when they all fit in one round trip with the schema
    // reads (the database works on them side by side), else one per platform.
    let groups: Vec<Vec<&'static TableSpec>> = if 2 * specs.len() + usize::from(ask.keys) <= MAX_TOGETHER {
        specs.iter().map(|s| vec![*s]).collect()
    } else {
        platforms.iter().map(|p| p.tables().to_vec()).collect()
    };
    let guessed = layout_plans(&specs);
    let guesses: Vec<Option<String>> = groups.iter().map(|g| census::sql(&plans_of(g, &guessed), ws, ask.census)).collect();
    requests.extend(guesses.iter().flatten().map(|sql| client.select_request(ws, sql)));
    if ask.keys {
        requests.push(client.select_request(ws, foreign_keys::SQL));
    }
    let mut answers = client.execute_all(&requests).into_iter();
    let columns = answers.by_ref().take(specs.len()).map(columns_of).collect::<Result<Vec<_>>>()?;
    let plans = plans_from_columns(client, platforms, Purpose::Read, columns, warnings)?;
    let mut guess_answers: std::vec::IntoIter<_> = answers.by_ref().take(guesses.iter().flatten().count()).collect::<Vec<_>>().into_iter();
    let keys_answer = answers.next();

    // Each group's census: the guess's answer if the live plans ask the
    // same, else asked again (all such groups together).
    let mut census = HashMap::new();
    let mut again: Vec<(Vec<&ColumnPlan>, String)> = Vec::new();
    for (group, guess) in groups.iter().zip(&guesses) {
        let guess_answer = guess.as_ref().map(|_| guess_answers.next().expect("one answer per guess"));
        let live = plans_of(group, &plans);
        let Some(sql) = census::sql(&live, ws, ask.census) else { continue };
        match guess_answer {
            Some(Ok(answer)) if guess.as_deref() == Some(sql.as_str()) => {
                census.extend(census::parse(&json_of("run_select_ws", Ok(answer))?, &live, ask.census));
            }
            _ => again.push((live, sql)),
        }
    }
    if !again.is_empty() {
        let requests: Vec<(String, Request)> = again.iter().map(|(_, sql)| client.select_request(ws, sql)).collect();
        for ((live, _), answer) in again.iter().zip(client.execute_all(&requests)) {
            census.extend(census::parse(&json_of("run_select_ws", answer)?, live, ask.census));
        }
    }
    let (keys, keys_error) = match keys_answer.map(|a| json_of("run_select_ws", a)) {
        Some(Ok(answer)) => (Some(foreign_keys::parse(&answer)), None),
        Some(Err(e)) => (None, Some(e.message)),
        None => (None, None),
    };
    Ok(Survey { plans, census, keys, keys_error })
}

/// For a rollback, whose plans are known: the census of `run` in `tables`
/// and the foreign keys (None if the catalog could not be read), in one
/// round trip.
pub fn census_and_keys<T: Transport>(
    client: &mut Client<T>,
    plans: &HashMap<&'static str, ColumnPlan>,
    tables: &[&'static TableSpec],
    ws: &str,
    scope: Scope,
) -> Result<(Census, Option<Vec<ForeignKey>>)> {
    let live: Vec<&ColumnPlan> = tables.iter().filter_map(|t| plans.get(t.name)).collect();
    let want = Want { scope, totals: false, times: false, tops: true };
    let Some(sql) = census::sql(&live, ws, want) else { return Ok((HashMap::new(), None)) };
    let requests = [client.select_request(ws, &sql), client.select_request(ws, foreign_keys::SQL)];
    let mut answers = client.execute_all(&requests).into_iter();
    let census = census::parse(&json_of("run_select_ws", answers.next().expect("two answers"))?, &live, want);
    let keys = json_of("run_select_ws", answers.next().expect("two answers")).ok().map(|k| foreign_keys::parse(&k));
    Ok((census, keys))
}

/// The plans a warehouse laid out as `scripts/warehouse/10-tables.sql` would
/// give (tables the layout lacks have none).
fn layout_plans(specs: &[&'static TableSpec]) -> HashMap<&'static str, ColumnPlan> {
    let mut kinds: HashMap<&'static str, KeyKind> = HashMap::new();
    let mut plans = HashMap::new();
    for spec in specs {
        if let Ok(plan) = ColumnPlan::for_reading(spec, &layout::columns(spec.name), &kinds) {
            kinds.insert(spec.name, plan.marker_kind);
            plans.insert(spec.name, plan);
        }
    }
    plans
}

fn plans_of<'a>(tables: &[&'static TableSpec], plans: &'a HashMap<&'static str, ColumnPlan>) -> Vec<&'a ColumnPlan> {
    tables.iter().filter_map(|t| plans.get(t.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::shopify::SHOPIFY;
    use crate::supabase::transport::{FakeTransport, Response, response};
    use serde_json::Value as Json;

    /// A warehouse answering schema reads from the layout, except that
    /// `renamed` calls its key column `id`; every query gets `census`.
    fn warehouse(
        renamed: Option<&'static str>,
    ) -> impl FnMut(&Request) -> std::result::Result<Response, crate::supabase::transport::TransportError> {
        move |r| {
            let body: Json = serde_json::from_slice(&r.body).unwrap_or(Json::Null);
            if let Some(table) = body["p_table_name"].as_str().and_then(|t| t.strip_prefix("semantic.")) {
                let columns: Vec<Json> = layout::columns(table)
                    .iter()
                    .map(|c| {
                        let name = if Some(table) == renamed && c.name == "order_id" { "id" } else { c.name.as_str() };
                        serde_json::json!({"column_name": name, "data_type": c.data_type, "is_nullable": c.nullable, "column_default": null})
                    })
                    .collect();
                return Ok(response(200, &Json::Array(columns).to_string()));
            }
            let query = body["p_query"].as_str().unwrap_or_default();
            Ok(if query.contains("pg_constraint") {
                response(200, "[]")
            } else {
                response(
                    200,
                    r#"[{"t": "dm_orders_shopify", "run": null, "n": 12}, {"t": "dm_orders_shopify", "run": 7, "n": 5, "top": "mock-00007-0000000004"}]"#,
                )
            })
        }
    }

    fn ask() -> Ask {
        Ask { census: Want { scope: Scope::AllRuns, totals: true, times: true, tops: true }, keys: true }
    }

    #[test]
    fn a_warehouse_with_the_expected_layout_answers_everything_in_one_round_trip() {
        let mut c = Client::new(FakeTransport::new(warehouse(None)), "http://h", "local");
        let s = survey(&mut c, &[&SHOPIFY], "ws", ask(), &mut Vec::new()).unwrap();
        assert_eq!(c.transport.seen.len(), 7 + 7 + 1, "the schemas, a census per table and the foreign keys, together");
        assert_eq!((s.census["dm_orders_shopify"].total, s.census["dm_orders_shopify"].generated), (Some(12), 5));
        assert_eq!(s.keys, Some(Vec::new()));
    }

    #[test]
    fn another_layout_asks_the_census_again_from_the_live_columns() {
        let mut c = Client::new(FakeTransport::new(warehouse(Some("dm_orders_shopify"))), "http://h", "local");
        let s = survey(&mut c, &[&SHOPIFY], "ws", ask(), &mut Vec::new()).unwrap();
        assert_eq!(c.transport.seen.len(), 7 + 7 + 1 + 1, "one more query, for the orders");
        let last: Json = serde_json::from_slice(&c.transport.seen.last().unwrap().body).unwrap();
        assert!(last["p_query"].as_str().unwrap().contains("x.\"id\""), "built from the live key column: {last}");
        assert_eq!(s.plans["dm_orders_shopify"].marker_column, "id");
        assert_eq!(s.census["dm_orders_shopify"].generated, 5);
    }
}
