//! generate_mock_data: validate, read the live schema, analyse the
//! workspace, then stream every table in dependency order, batch by batch.
//! Nothing is written until every table has a plan; if a write fails for
//! good, the rows this run wrote are removed again (children first).

use std::collections::HashMap;

use crate::api::types::{GenerateRequest, MockResult, PlatformResult, TableResult};
use crate::core::keys::{RunId, Scope};
use crate::core::time::{parse_instant, start_of_day};
use crate::error::{Result, ToolError};
use crate::model::layout;
use crate::model::plan::ColumnPlan;
use crate::model::table::TableSpec;
use crate::platforms::link::Conversions;
use crate::platforms::store::analysis::{quote, real_rows};
use crate::platforms::{AnalysisContext, Generation, Platform};
use crate::service::counts::{parse_workspace_rows, workspace_rows_sql};
use crate::service::files::Format;
use crate::service::foreign_keys;
use crate::service::runs;
use crate::service::writer::Writer;
use crate::service::{Connection, Host, LogLevel, Purpose, check_production, label, platforms_for, read_plans, thousands};
use crate::supabase::client::{Client, Filter};
use crate::supabase::inserter::{Conflict, Inserter};
use crate::supabase::transport::Transport;
use crate::supabase::window::{DEFAULT_CAP, Window};

/// Rows per insert request. Measured through the local REST server,
/// 1,000-row requests move about twice the rows per second of the design's
/// 100, and stay far below Supabase's 8 s statement timeout.
pub const DEFAULT_BATCH: u32 = 1000;
pub const MAX_BATCH: u32 = 10_000;
/// Insert requests in flight at most: the hosts let 32 requests go at once
/// (host-runner/src/sandbox/rules.json, `max_in_flight`), reads included.
pub const MAX_IN_FLIGHT: u32 = 32;
/// Orders one run may ask for: beyond this a run would take days to write.
pub const MAX_COUNT: u64 = 1_000_000_000;
/// Distinct values read per unknown column.
const UNKNOWN_VALUES: u32 = 50;

/// Checks what can be checked without the network.
fn validate(req: &GenerateRequest) -> Result<(Vec<&'static dyn Platform>, u32, Option<i64>)> {
    let platforms = platforms_for(&req.platform)?;
    if req.force_count == Some(0) {
        return Err(ToolError::invalid("count must be at least 1 (or leave it out to let the strategy decide)"));
    }
    if req.force_count.is_some_and(|n| n > MAX_COUNT) {
        return Err(ToolError::invalid(format!(
            "count must be at most {} per run: split larger volumes over several runs (different seeds)",
            thousands(MAX_COUNT)
        )));
    }
    if req.max_in_flight == Some(0) || req.max_in_flight.is_some_and(|n| n > MAX_IN_FLIGHT) {
        return Err(ToolError::invalid(format!(
            "max in flight must be between 1 and {MAX_IN_FLIGHT} requests (the host lets no more go at once)"
        )));
    }
    let batch = req.batch_size.unwrap_or(DEFAULT_BATCH);
    if !(1..=MAX_BATCH).contains(&batch) {
        return Err(ToolError::invalid(format!("batch size must be between 1 and {MAX_BATCH} rows, not {batch}")));
    }
    let as_of = match &req.as_of {
        Some(text) => Some(parse_instant(text).ok_or_else(|| {
            ToolError::invalid(format!("as_of '{text}' is not a date (2026-05-31) or an RFC 3339 time (2026-05-31T00:00:00Z)"))
        })?),
        None => None,
    };
    Ok((platforms, batch, as_of))
}

pub fn generate<T: Transport>(host: &mut dyn Host, transport: T, req: &GenerateRequest) -> Result<MockResult> {
    let started = host.millis();
    let (platforms, batch, as_of) = validate(req)?;
    let files = req.output_format.as_deref().map(Format::parse).transpose()?;
    let conn = match files {
        // Files need no warehouse: nothing is resolved, read or sent.
        Some(_) => {
            if req.dry_run {
                return Err(ToolError::invalid("writing files and a dry run exclude each other: leave out --dry-run or --out"));
            }
            let workspace = req.workspace.clone().filter(|w| !w.trim().is_empty());
            let workspace_id =
                workspace.ok_or_else(|| ToolError::invalid("writing files needs the workspace id the rows carry (--workspace ID)"))?;
            Connection { environment: "files".into(), rest_url: String::new(), workspace_id, production: false }
        }
        None => host.connection(req.environment.as_deref())?,
    };
    check_production(&conn, !req.dry_run, req.confirm_production, "generating data")?;
    let mut client = Client::new(transport, &conn.rest_url, &conn.environment);
    let mut warnings = Vec::new();
    let strict = req.platform.trim().eq_ignore_ascii_case("all");
    let mut plans = match files {
        Some(_) => layout_plans(&platforms)?,
        None => read_plans(&mut client, &platforms, Purpose::Write { strict }, &mut warnings)?,
    };
    // Tables skipped as missing are neither analysed nor written.
    let tables: Vec<&'static TableSpec> =
        platforms.iter().flat_map(|p| p.tables().iter().copied()).filter(|t| plans.contains_key(t.name)).collect();
    let ws = conn.workspace_id.clone();
    if files.is_none() {
        fill_unknown_columns(&mut client, &mut plans, &ws, &mut warnings);
    }

    // The run's seed, the workspace's size and the warehouse's foreign keys:
    // one round trip together.
    let mut barriers = HashMap::new();
    let (seed, run, earlier_rows, mut counts, real) = match files {
        Some(_) => {
            let seed = req.seed.unwrap_or_else(|| host.fresh_seed());
            (seed, RunId::from_seed(seed), 0, HashMap::new(), HashMap::new())
        }
        None => {
            let seed = req.seed.unwrap_or_else(|| host.fresh_seed());
            let queries = run_count_queries(&tables, &plans, &ws, RunId::from_seed(seed));
            let sizes = workspace_rows_sql(&tables, &plans, &ws).unwrap_or_else(|| "select 1 as none".into());
            let (taken, mut answers) = client.counts_and_selects(&queries, &ws, &[&sizes, foreign_keys::SQL])?;
            let keys = answers.pop().expect("asked for");
            barriers = waits_beyond_references(&tables, &plans, keys.ok().map(|k| foreign_keys::parse(&k)).as_deref());
            let (counts, real) = parse_workspace_rows(&tables, &answers.pop().expect("asked for")?);
            let (seed, run, earlier) = choose_run(host, &mut client, &tables, &plans, &ws, req, (seed, taken.iter().sum()), &mut warnings)?;
            (seed, run, earlier, counts, real)
        }
    };
    // Named before anything is written, so that a run stopped half-way (a
    // kill, a lost host) can still be found and cleaned.
    if !req.dry_run {
        host.log(
            LogLevel::Info,
            &format!("run {run} (seed {seed}) in workspace {ws}; to remove it: clean {} --confirm --run {run}", req.platform),
        );
    }
    if earlier_rows > 0 {
        // The run's own earlier rows are not what the workspace holds.
        let own = client.counts(&run_count_queries(&tables, &plans, &ws, run))?;
        for (t, own) in tables.iter().zip(own) {
            counts.entry(t.name).and_modify(|n| *n = n.saturating_sub(own));
        }
    }
    let as_of = as_of.unwrap_or_else(|| start_of_day(host.now()));
    let cx = AnalysisContext {
        workspace: &ws,
        seed,
        run_seed: seed,
        run,
        strategy: req.strategy,
        forced: req.force_count,
        as_of,
        plans: &plans,
        counts: &counts,
        real: &real,
    };
    let mut generations: Vec<(&'static dyn Platform, Box<dyn Generation>)> = Vec::new();
    let mut analysis = Vec::new();
    for (i, p) in platforms.iter().enumerate() {
        // Each platform draws from its own streams of the run's seed.
        let cx = AnalysisContext { seed: crate::core::rng::mix(seed ^ i as u64), ..cx };
        let g = match files {
            // No workspace to read: every aspect keeps its defaults.
            Some(_) => p.analyse(&cx, &mut |_| Ok(serde_json::json!([])))?,
            None => analyse_in_rounds(*p, &cx, &mut client, host)?,
        };
        let a = g.analysis();
        warnings.extend(a.warnings.iter().map(|w| format!("{}: {w}", p.name())));
        analysis.push(a);
        generations.push((*p, g));
    }
    link(&mut generations, host);
    for (platform, g) in &generations {
        host.log(LogLevel::Info, &g.describe());
        check_capacity(*platform, g.as_ref(), &plans)?;
    }

    let writes = !req.dry_run && files.is_none();
    let inserter =
        writes.then(|| Inserter::new(&mut client, req.conflict, Window::new(req.max_in_flight.map_or(DEFAULT_CAP, |n| n as usize))));
    let mut writer = Writer::new(inserter, host, &conn, &plans, run, batch, req, files, barriers);
    let mut failure = None;
    let mut attempted: Vec<(&'static dyn Platform, Vec<&'static TableSpec>)> = Vec::new();
    for (platform, g) in &generations {
        let specs: Vec<&'static TableSpec> = platform.tables().iter().copied().filter(|t| plans.contains_key(t.name)).collect();
        let mut tried = Vec::new();
        let streamed = writer.tables(g.as_ref(), &specs, &mut tried);
        attempted.push((*platform, tried));
        if let Err(e) = streamed {
            failure = Some(e);
            break;
        }
    }
    // Batches of the last tables may still be in flight; after a failure
    // too, so that nothing lands once the rollback has begun. Batches not
    // sent yet are dropped after a failure.
    let finished = writer.finish(failure.is_some());
    if failure.is_none() {
        failure = finished.err();
    }
    // The platform whose table failed (a batch of an earlier platform may
    // fail while a later one streams); the last one tried if none says.
    let failed_table = failure.as_ref().map(|(table, _)| table.clone());
    let owns = |specs: &[&'static TableSpec]| failed_table.as_ref().is_some_and(|t| specs.iter().any(|s| s.qualified() == *t));
    let failed_platform =
        attempted.iter().position(|(_, specs)| owns(specs)).or_else(|| failure.as_ref().map(|_| attempted.len().saturating_sub(1)));
    let results: Vec<PlatformResult> = attempted
        .iter()
        .enumerate()
        .map(|(i, (platform, specs))| {
            let tables_out = specs.iter().map(|spec| writer.result(spec)).collect();
            let failed_here = failed_platform == Some(i);
            let outcome = match (&failure, req.dry_run, files) {
                (Some(_), ..) if failed_here => "failed",
                (_, true, _) => "dry-run",
                (_, false, Some(_)) => "written",
                (_, false, None) => "success",
            };
            platform_result(platform.name(), tables_out, outcome)
        })
        .collect();
    let samples = std::mem::take(&mut writer.samples);
    let written = std::mem::take(&mut writer.written);
    let window = writer.inserter.as_ref().map(|ins| (ins.window.clone(), ins.peak_in_flight));
    drop(writer);
    let peak_in_flight = window.as_ref().map_or(0, |(_, peak)| *peak as u32);
    if let Some((window, peak)) = window {
        host.log(LogLevel::Info, &format!("writes: up to {peak} requests in flight"));
        if window.shrinks > 0 {
            warnings.push(format!(
                "the warehouse pushed back {} times (429/503/504 or lost connections): writes slowed down to {} in flight and were retried",
                window.shrinks,
                window.limit()
            ));
        }
    }

    let total: u64 = results.iter().map(|p| p.total_records).sum();
    let mut result = MockResult {
        success: failure.is_none(),
        run_id: run.to_string(),
        seed,
        environment: conn.environment.clone(),
        dry_run: req.dry_run,
        platforms: results,
        total_records: total,
        summary: String::new(),
        warnings,
        execution_time_ms: 0,
        peak_in_flight,
        samples,
        analysis,
    };
    match failure {
        None if files.is_some() => {
            result.summary = format!(
                "Wrote {} rows of run {run} (seed {seed}) for workspace {ws} as {} files, one per table: load them in name order (psql -f, or COPY for csv); `clean {} --confirm --run {run}` removes them again.",
                thousands(total),
                files.map_or("", Format::extension),
                req.platform
            )
        }
        Some((table, error)) if files.is_some() => {
            result.warnings.push(error.message.clone());
            result.summary =
                format!("Writing files failed at {table}: {}. The files written so far are incomplete: delete them.", error.message);
        }
        None => result.summary = summary(&result, &generations),
        Some((table, error)) if earlier_rows > 0 => {
            // The run had rows before this call (--conflict skip or update):
            // removing the run would remove those too, so nothing is undone.
            result.warnings.push(error.message.clone());
            result.summary = format!(
                "Generation failed while writing {table}: {}. Run {run} already had {} rows before this call, so the rows this call wrote were left in place with them: remove the whole run with `clean {} --confirm --run {run}` if you no longer want it.",
                error.message,
                thousands(earlier_rows),
                req.platform
            );
        }
        Some((table, error)) => {
            result.warnings.push(error.message.clone());
            let removed = crate::service::removal::roll_back(&mut client, host, &plans, &written, &ws, run, &mut result.warnings);
            for p in &mut result.platforms {
                p.outcome = if removed.is_ok() { "rolled-back".into() } else { "failed".into() };
            }
            result.summary = match removed {
                Ok(n) => format!(
                    "Generation failed while writing {table}: {}. The {} rows this run had written were removed again; the workspace is as it was.",
                    error.message,
                    thousands(n)
                ),
                Err(e) => format!(
                    "Generation failed while writing {table}: {}. Removing this run's rows failed too ({}): run `clean {} --confirm --run {run}` to remove them.",
                    error.message, e.message, req.platform
                ),
            };
        }
    }
    result.execution_time_ms = host.millis().saturating_sub(started);
    Ok(result)
}

/// Analyses the workspace for `platform` in rounds of concurrent queries
/// (`rounds::in_rounds`): the analyzers' chain of dependencies (the shop's
/// time zone, then the history's span, then the rest) takes two or three
/// round trips, where one query at a time took fifteen.
fn analyse_in_rounds<T: Transport>(
    platform: &'static dyn Platform,
    cx: &AnalysisContext,
    client: &mut Client<T>,
    host: &mut dyn Host,
) -> Result<Box<dyn Generation>> {
    crate::service::rounds::in_rounds(client, cx.workspace, host, "analysis", |query| platform.analyse(cx, query))
}

/// For each table, the tables its batches must wait for entirely (not just
/// for the keys they reference): the parents of the warehouse's foreign
/// keys the generator's references do not cover (a key on other columns),
/// or, when the foreign keys could not be read, every table before it.
fn waits_beyond_references(
    tables: &[&'static TableSpec],
    plans: &HashMap<&'static str, ColumnPlan>,
    keys: Option<&[foreign_keys::ForeignKey]>,
) -> HashMap<&'static str, Vec<&'static str>> {
    let mut out: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for (i, child) in tables.iter().enumerate() {
        let earlier = &tables[..i];
        let parents: Vec<&'static str> = match keys {
            None => earlier.iter().map(|t| t.name).collect(),
            Some(keys) => earlier
                .iter()
                .filter(|parent| {
                    keys.iter().any(|k| {
                        k.child == child.name
                            && k.parent == parent.name
                            && !child.fields.iter().enumerate().any(|(f, field)| {
                                matches!(field.kind, crate::model::table::FieldKind::Ref { owner } if owner == parent.name)
                                    && plans
                                        .get(child.name)
                                        .and_then(|p| p.column_of(f))
                                        .is_some_and(|c| k.columns.iter().any(|kc| kc == c))
                            })
                    })
                })
                .map(|t| t.name)
                .collect(),
        };
        if !parents.is_empty() {
            out.insert(child.name, parents);
        }
    }
    out
}

/// Count requests for the rows of `run` in every table.
fn run_count_queries(
    tables: &[&'static TableSpec],
    plans: &HashMap<&'static str, ColumnPlan>,
    ws: &str,
    run: RunId,
) -> Vec<(&'static str, Vec<Filter>)> {
    tables.iter().map(|t| (t.name, runs::filters(&plans[t.name], ws, Scope::Run(run), None))).collect()
}

/// The run's seed and id, and how many rows the run already had, from the
/// first seed and its rows (`first`). A given seed is used as it is; if its
/// run already has rows, the conflict policy decides. An unseeded run draws
/// seeds until it finds a free run.
#[allow(clippy::too_many_arguments)]
fn choose_run<T: Transport>(
    host: &mut dyn Host,
    client: &mut Client<T>,
    tables: &[&'static TableSpec],
    plans: &HashMap<&'static str, ColumnPlan>,
    ws: &str,
    req: &GenerateRequest,
    first: (u64, u64),
    warnings: &mut Vec<String>,
) -> Result<(u64, RunId, u64)> {
    let (mut seed, mut taken) = first;
    for _ in 0..8 {
        let run = RunId::from_seed(seed);
        if taken == 0 {
            return Ok((seed, run, 0));
        }
        if req.seed.is_none() {
            seed = host.fresh_seed();
            taken = client.counts(&run_count_queries(tables, plans, ws, RunId::from_seed(seed)))?.iter().sum();
            continue;
        }
        return match req.conflict {
            Conflict::Fail => Err(ToolError::invalid(format!(
                "run {run} (seed {seed}) already has {} rows in workspace {ws}: use another --seed, or --conflict skip to keep them, or --conflict update to write them again, or remove them first (clean {} --confirm --run {run}); nothing was written",
                thousands(taken),
                req.platform
            ))),
            Conflict::Skip => {
                warnings.push(format!("run {run} already had {} rows: rows with the same keys were kept as they were", thousands(taken)));
                Ok((seed, run, taken))
            }
            Conflict::Update => {
                warnings.push(format!("run {run} already had {} rows: rows with the same keys were written again", thousands(taken)));
                Ok((seed, run, taken))
            }
        };
    }
    Err(ToolError::internal("found no free run id after 8 seeds; clean older runs"))
}

/// Values for the live columns the generator does not know: what those
/// columns hold in the workspace, most frequent first (one bounded aggregate
/// per table, all tables' together). A failed read leaves plain values of
/// the column's type.
fn fill_unknown_columns<T: Transport>(
    client: &mut Client<T>,
    plans: &mut HashMap<&'static str, ColumnPlan>,
    ws: &str,
    warnings: &mut Vec<String>,
) {
    let mut tables: Vec<&'static str> = plans.values().filter(|p| !p.extras.is_empty()).map(|p| p.spec.name).collect();
    tables.sort_unstable();
    let queries: Vec<String> = tables
        .iter()
        .map(|t| {
            let plan = &plans[t];
            let real = real_rows(plan, "x", ws);
            let parts: Vec<String> = plan
                .extras
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    format!(
                        "(select {i} as c, to_jsonb(x.{col}) as v, count(*) as n from semantic.{t} x where {real} and x.{col} is not null group by 2 order by 3 desc limit {UNKNOWN_VALUES})",
                        col = quote(&e.column),
                        t = quote(plan.spec.name),
                    )
                })
                .collect();
            // run_select_ws takes only queries that begin with SELECT or WITH.
            format!("select c, v, n from ({}) u", parts.join(" union all "))
        })
        .collect();
    for (t, answer) in tables.iter().zip(client.selects(ws, &queries)) {
        let plan = plans.get_mut(t).expect("listed from the plans");
        match answer {
            Ok(answer) => {
                for (i, extra) in plan.extras.iter_mut().enumerate() {
                    let seen = answer.as_array().into_iter().flatten().filter(|r| r["c"].as_u64() == Some(i as u64));
                    extra.resample_from(seen.map(|r| (r["v"].clone(), r["n"].as_f64().unwrap_or(0.0))));
                }
            }
            Err(e) => warnings.push(format!(
                "could not read the values of {}'s unknown columns ({}): filled with plain values of their types",
                plan.spec.qualified(),
                e.message
            )),
        }
    }
}

/// Refuses, before anything is written, a run whose tables would need more
/// keys than one run's range holds (10^8 for bigint keys).
fn check_capacity(platform: &dyn Platform, g: &dyn Generation, plans: &HashMap<&'static str, ColumnPlan>) -> Result<()> {
    for spec in platform.tables() {
        let own_key = spec.field(spec.marker).is_some_and(|(_, f)| f.kind == crate::model::table::FieldKind::Key);
        let Some(plan) = plans.get(spec.name) else { continue };
        let rows = g.estimate(spec);
        if own_key && rows >= plan.marker_kind.seq_limit() {
            return Err(ToolError::invalid(format!(
                "{} would need about {} rows in one run, more than its {:?} key column {} can mark ({}): generate in several runs (different seeds); nothing was written",
                spec.qualified(),
                thousands(rows),
                plan.marker_kind,
                plan.marker_column,
                thousands(plan.marker_kind.seq_limit())
            )));
        }
    }
    Ok(())
}

/// Ads and stores generated together: clicks lead to orders, and the
/// campaigns report the orders they led to.
fn link(generations: &mut [(&'static dyn Platform, Box<dyn Generation>)], host: &mut dyn Host) {
    let Some(ads) = generations.iter().position(|(_, g)| g.is_ads()) else { return };
    // The first store shapes the account: its products, period, currency.
    let facts = generations.iter_mut().enumerate().filter(|(i, _)| *i != ads).find_map(|(_, (_, g))| g.as_store().map(|s| s.facts()));
    match (facts, generations[ads].1.as_ads()) {
        (Some(facts), Some(a)) => a.use_store(facts),
        _ => return,
    }
    let mut conversions = Conversions::default();
    let mut stores = 0u32;
    for i in 0..generations.len() {
        if i == ads {
            continue;
        }
        let Some(clicks) = generations[ads].1.as_ads().map(|a| a.clicks(stores)) else { return };
        if let Some(store) = generations[i].1.as_store() {
            store.attach(clicks);
            conversions.merge(&store.conversions());
            stores += 1;
        }
    }
    if stores > 0 {
        if let Some(a) = generations[ads].1.as_ads() {
            a.add_conversions(&conversions);
        }
        host.log(
            LogLevel::Info,
            &format!("linked ads to {stores} store(s): {} orders came from ad clicks", thousands(conversions.orders())),
        );
    }
}

fn platform_result(name: &str, tables: Vec<TableResult>, outcome: &str) -> PlatformResult {
    PlatformResult {
        platform: name.to_string(),
        total_records: tables.iter().map(|t| t.inserted).sum(),
        tables,
        outcome: outcome.to_string(),
    }
}

fn summary(result: &MockResult, generations: &[(&'static dyn Platform, Box<dyn Generation>)]) -> String {
    let parts: Vec<String> = result
        .platforms
        .iter()
        .zip(generations)
        .map(|(p, (platform, _))| {
            let tables: Vec<String> = p
                .tables
                .iter()
                .zip(platform.tables())
                .filter(|(t, _)| t.inserted > 0)
                .map(|(t, spec)| format!("{} {}", thousands(t.inserted), label(spec)))
                .collect();
            format!("{} ({})", p.platform, if tables.is_empty() { "nothing new".into() } else { tables.join(", ") })
        })
        .collect();
    if result.dry_run {
        format!(
            "Dry run of run {} (seed {}): would write {} rows: {}. Nothing was written.",
            result.run_id,
            result.seed,
            thousands(result.total_records),
            parts.join("; ")
        )
    } else {
        format!(
            "Generated {} rows in run {} (seed {}) in {}: {}.",
            thousands(result.total_records),
            result.run_id,
            result.seed,
            result.environment,
            parts.join("; ")
        )
    }
}

/// Plans for files without a database: the tables as the tool expects them
/// (`model::layout`), so the files load into such a warehouse as they are.
fn layout_plans(platforms: &[&'static dyn Platform]) -> Result<HashMap<&'static str, ColumnPlan>> {
    let mut kinds = HashMap::new();
    let mut plans = HashMap::new();
    for spec in platforms.iter().flat_map(|p| p.tables().iter().copied()) {
        let plan = ColumnPlan::new(spec, &layout::columns(spec.name), &kinds)?;
        kinds.insert(spec.name, plan.marker_kind);
        plans.insert(spec.name, plan);
    }
    Ok(plans)
}
