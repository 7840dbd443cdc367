//! The fidelity report: the rows this tool generated against the rows the
//! workspace already had, aspect by aspect, scored as SDMetrics does
//! (`core::fidelity`). Every figure is an aggregate made in the database
//! through `run_select_ws`: counts per value, or 1000 quantiles per side;
//! no row is pulled, and nothing needs an index beyond the primary keys.
//! Generated rows are told apart by their keys (`core::keys`).
//!
//! An aspect that cannot be measured (no such column, no rows on a side, a
//! failing query) is reported as not available, with the reason, and left
//! out of the mean; a failing query is a warning, never an abort. Stores
//! are scored on orders and their lines, ads platforms on their daily
//! campaign metrics.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::api::report::{AspectScore, FidelityReport, PlatformFidelity, ReportRequest};
use crate::core::fidelity::{Bin, Numeric, category_bins, correlation_similarity, ks_complement, mean, numeric_bins, tv_complement};
use crate::core::keys::{RunId, Scope};
use crate::error::{Result, ToolError};
use crate::model::plan::ColumnPlan;
use crate::model::table::TableSpec;
use crate::platforms::store::analysis::{literal, quote};
use crate::platforms::store::engine::StoreDefinition;
use crate::platforms::{Platform, Query};
use crate::service::rounds::in_rounds;
use crate::service::{Host, Purpose, platforms_for, read_plans, thousands};
use crate::supabase::client::Client;
use crate::supabase::transport::Transport;

/// Quantiles per side for continuous aspects: KS is then off by < 1/1000.
const QUANTILES: u32 = 1000;
/// Bars per aspect in the charts' distributions.
const MAX_BINS: usize = 40;
/// Beyond this many real rows, per-row aspects read a block sample of the
/// real side of about this many rows (aspects that group rows never do).
const SAMPLE_ROWS: u64 = 200_000;
/// Most distinct values a count query returns; the rest count as "(other)".
const MAX_VALUES: usize = 2000;

const HOURS: [&str; 24] = [
    "00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21",
    "22", "23",
];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

pub fn report<T: Transport>(host: &mut dyn Host, transport: T, req: &ReportRequest) -> Result<FidelityReport> {
    let platforms = platforms_for(&req.platform)?;
    let run = req.run_id.as_deref().map(RunId::parse).transpose().map_err(ToolError::invalid)?;
    let mut warnings = Vec::new();
    let scored: Vec<&'static dyn Platform> = platforms.iter().copied().filter(|p| p.store().is_some() || ads_table(*p).is_some()).collect();
    for p in platforms.iter().filter(|p| !scored.iter().any(|s| s.name() == p.name())) {
        warnings.push(format!("{} is not scored: it has neither orders nor daily ad metrics", p.name()));
    }
    if scored.is_empty() {
        return Err(ToolError::invalid(format!(
            "report scores store and ads data: choose shopify, bigcommerce, woocommerce, magento or google-ads (or all); {} has nothing to score",
            req.platform.trim()
        )));
    }
    let conn = host.connection(req.environment.as_deref())?;
    let mut client = Client::new(transport, &conn.rest_url, &conn.environment);
    let plans = read_plans(&mut client, &scored, Purpose::Report, &mut warnings)?;
    let ws = conn.workspace_id.clone();
    let scope = run.map_or(Scope::AllRuns, Scope::Run);
    // Every platform's queries in rounds: each query within its time limit,
    // many at once; a slow or failing one leaves its aspect unavailable.
    let (results, found) = in_rounds(&mut client, &ws, host, "report", |query| {
        let mut found = Vec::new();
        let results: Vec<PlatformFidelity> = scored
            .iter()
            .filter_map(|p| match (p.store(), ads_table(*p)) {
                (Some(store), _) => Some(store_fidelity(store, &plans, &ws, scope, query, &mut found)),
                (None, Some(table)) => Some(ads_fidelity(p.name(), table, &plans, &ws, scope, query, &mut found)),
                (None, None) => None,
            })
            .collect();
        (results, found)
    });
    warnings.extend(found);
    Ok(FidelityReport {
        environment: conn.environment.clone(),
        workspace_id: conn.workspace_id.clone(),
        run_id: run.map(|r| r.to_string()),
        platforms: results,
        warnings,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Real,
    Generated,
}

/// How an aspect is measured and scored.
#[derive(Clone, Copy)]
enum Shape {
    /// A continuous number: quantiles per side, KSComplement.
    Quantiles,
    /// A whole number with few values: counts per value, KSComplement.
    Counts,
    /// Labels: counts per label, TVComplement, the commonest first.
    Categories,
    /// Indexes into fixed labels (hours, weekdays), TVComplement, in order.
    Ordered(&'static [&'static str]),
    /// The Pearson correlation of a pair of columns, named in the answer's
    /// row (several pairs come from one query), CorrelationSimilarity.
    Correlation(&'static str),
}

impl Shape {
    fn metric(self) -> &'static str {
        match self {
            Shape::Quantiles | Shape::Counts => "KSComplement",
            Shape::Categories | Shape::Ordered(_) => "TVComplement",
            Shape::Correlation(_) => "CorrelationSimilarity",
        }
    }
}

/// Rows of a table on each side (None: the count failed).
#[derive(Clone, Copy, Default)]
struct Volume {
    real: Option<u64>,
    generated: Option<u64>,
}

/// One aspect, ready to measure.
struct Aspect {
    name: &'static str,
    column: String,
    unit: &'static str,
    shape: Shape,
    /// SQL selecting one value `v` per observation, real side then
    /// generated side; or why the aspect cannot be measured here.
    sql: std::result::Result<[String; 2], String>,
    volume: Volume,
    /// Said of the real side when it is a block sample.
    sampled: Option<String>,
}

/// The workspace, its plans and which generated rows are compared.
struct Sides<'a> {
    plans: &'a HashMap<&'static str, ColumnPlan>,
    workspace: &'a str,
    scope: Scope,
}

impl Sides<'_> {
    fn plan(&self, table: &TableSpec) -> std::result::Result<&ColumnPlan, String> {
        self.plans.get(table.name).ok_or_else(|| format!("{} could not be read (see the warnings)", table.qualified()))
    }

    /// `alias."column"` of a field, or why the table has none.
    fn col(&self, table: &TableSpec, alias: &str, field: &str) -> std::result::Result<String, String> {
        let plan = self.plan(table)?;
        let live = table.field(field).filter(|_| !field.is_empty()).and_then(|(i, _)| plan.column_of(i));
        live.map(|c| format!("{alias}.{}", quote(c))).ok_or_else(|| {
            if field.is_empty() {
                "this platform's tables have no such field".to_string()
            } else {
                format!("{} has no {field} column", table.qualified())
            }
        })
    }

    /// `table.column` as people read it (the live name where there is one).
    fn name(&self, table: &TableSpec, fields: &[&str]) -> String {
        let names: Vec<&str> = fields
            .iter()
            .filter(|f| !f.is_empty())
            .map(|f| {
                let live = self.plans.get(table.name).and_then(|p| table.field(f).and_then(|(i, _)| p.column_of(i)));
                live.unwrap_or(f)
            })
            .collect();
        format!("{}.{}", table.name, if names.is_empty() { "-".to_string() } else { names.join("/") })
    }

    /// Rows of the workspace on one side: real rows are those whose key the
    /// tool did not make; generated ones those of any run, or of the run.
    fn filter(&self, table: &TableSpec, alias: &str, side: Side) -> std::result::Result<String, String> {
        let plan = self.plan(table)?;
        let marker = format!("{alias}.{}", quote(&plan.marker_column));
        let tenant = format!("{alias}.{} = {}", quote(&plan.tenant_column), literal(self.workspace));
        Ok(match (side, self.scope) {
            (Side::Real, _) => format!("{tenant} and not ({})", plan.marker_kind.sql_is_generated(&marker)),
            (Side::Generated, Scope::AllRuns) => format!("{tenant} and ({})", plan.marker_kind.sql_is_generated(&marker)),
            (Side::Generated, Scope::Run(run)) => format!("{tenant} and ({})", plan.marker_kind.sql_is_run(&marker, run)),
        })
    }

    fn from(table: &TableSpec, alias: &str, sample: Option<&str>) -> String {
        format!("semantic.{} {alias}{}", quote(table.name), sample.map(|s| format!(" {s}")).unwrap_or_default())
    }

    /// Both sides' SQL from one builder (side, sampling clause for the side).
    fn both(
        &self,
        sample: Option<&str>,
        build: impl Fn(Side, Option<&str>) -> std::result::Result<String, String>,
    ) -> std::result::Result<[String; 2], String> {
        Ok([build(Side::Real, sample)?, build(Side::Generated, None)?])
    }

    /// Rows of `table` on each side, in one scan.
    fn volume(&self, table: &TableSpec, query: &mut Query, warnings: &mut Vec<String>) -> Volume {
        let (Ok(real), Ok(generated)) = (self.filter(table, "t", Side::Real), self.filter(table, "t", Side::Generated)) else {
            return Volume::default();
        };
        let sql = format!(
            "select count(*) filter (where {real}) as real, count(*) filter (where {generated}) as generated from {} where t.{} = {}",
            Sides::from(table, "t", None),
            quote(&self.plans[table.name].tenant_column),
            literal(self.workspace)
        );
        match query(&sql) {
            Ok(answer) => {
                let row = answer.get(0).cloned().unwrap_or(Json::Null);
                Volume { real: count(&row["real"]), generated: count(&row["generated"]) }
            }
            Err(e) => {
                warnings.push(format!("counting {}: {}", table.qualified(), e.message));
                Volume::default()
            }
        }
    }

    /// The shop's time zone (a real shop's first), if PostgreSQL knows it.
    fn time_zone(&self, table: &TableSpec, field: &str, query: &mut Query, warnings: &mut Vec<String>) -> String {
        let (Ok(tz), Ok(plan)) = (self.col(table, "s", field), self.plan(table)) else { return "UTC".into() };
        let marker = format!("s.{}", quote(&plan.marker_column));
        let sql = format!(
            "select z.name as tz from {} join pg_timezone_names z on z.name = {tz}::text where s.{} = {} order by {} limit 1",
            Sides::from(table, "s", None),
            quote(&plan.tenant_column),
            literal(self.workspace),
            plan.marker_kind.sql_is_generated(&marker)
        );
        match query(&sql) {
            Ok(answer) => answer.get(0).and_then(|r| r["tz"].as_str()).unwrap_or("UTC").to_string(),
            Err(e) => {
                warnings.push(format!("reading the shop's time zone (using UTC): {}", e.message));
                "UTC".into()
            }
        }
    }
}

fn count(v: &Json) -> Option<u64> {
    match v {
        Json::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn num(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A block sample of the real side when it is large: SYSTEM sampling reads
/// a share of the table's pages, so about SAMPLE_ROWS of the workspace's
/// rows; REPEATABLE keeps the figure stable between reports.
fn sample_clause(volume: Volume) -> Option<(String, String)> {
    let real = volume.real.filter(|n| *n > SAMPLE_ROWS)?;
    let percent = 100.0 * SAMPLE_ROWS as f64 / real as f64;
    Some((
        format!("tablesample system ({percent:.4}) repeatable (0)"),
        format!("real side: a block sample of about {percent:.1}% of {} rows", thousands(real)),
    ))
}

/// The report for one store platform.
pub fn store_fidelity(
    store: &StoreDefinition,
    plans: &HashMap<&'static str, ColumnPlan>,
    workspace: &str,
    scope: Scope,
    query: &mut Query,
    warnings: &mut Vec<String>,
) -> PlatformFidelity {
    let s = Sides { plans, workspace, scope };
    let (t, f) = (&store.tables, &store.fields);
    let orders = s.volume(t.orders, query, warnings);
    let items = s.volume(t.items, query, warnings);
    let tz = literal(&s.time_zone(t.shop, f.shop_timezone, query, warnings));
    let order_sample = sample_clause(orders);
    let item_sample = sample_clause(items);
    let (os, is) = (order_sample.as_ref().map(|x| x.0.as_str()), item_sample.as_ref().map(|x| x.0.as_str()));

    // A value per order row, or per line row.
    let per_order = |expr: &dyn Fn() -> std::result::Result<String, String>| {
        s.both(os, |side, sample| {
            Ok(format!("select {} as v from {} where {}", expr()?, Sides::from(t.orders, "o", sample), s.filter(t.orders, "o", side)?))
        })
    };
    let per_line = |expr: &dyn Fn() -> std::result::Result<String, String>| {
        s.both(is, |side, sample| {
            Ok(format!("select {} as v from {} where {}", expr()?, Sides::from(t.items, "i", sample), s.filter(t.items, "i", side)?))
        })
    };
    // How many rows share each value of `field` (lines per order, orders
    // per customer); `skip_null` leaves out rows without one.
    let group_sizes = |table: &'static TableSpec, alias: &'static str, field: &'static str, skip_null: bool| {
        let s = &s;
        s.both(None, move |side, _| {
            let key = s.col(table, alias, field)?;
            let present = if skip_null { format!(" and {key} is not null") } else { String::new() };
            Ok(format!(
                "select count(*) as v from {} where {}{present} group by {key}",
                Sides::from(table, alias, None),
                s.filter(table, alias, side)?
            ))
        })
    };
    let created = || s.col(t.orders, "o", f.order_created).map(|c| format!("{c}::timestamptz at time zone {tz}"));
    let aspect = |name, column, unit, shape, sql, volume, sampled: Option<&(String, String)>| Aspect {
        name,
        column,
        unit,
        shape,
        sql,
        volume,
        sampled: sampled.map(|x| x.1.clone()),
    };
    let aspects = vec![
        aspect(
            "order subtotal",
            s.name(t.orders, &[f.order_subtotal]),
            "orders",
            Shape::Quantiles,
            per_order(&|| s.col(t.orders, "o", f.order_subtotal).map(|c| format!("{c}::float8"))),
            orders,
            order_sample.as_ref(),
        ),
        aspect(
            "lines per order",
            s.name(t.items, &[f.item_order]),
            "orders",
            Shape::Counts,
            group_sizes(t.items, "i", f.item_order, false),
            items,
            None,
        ),
        aspect(
            "unit price",
            s.name(t.items, &[f.item_price]),
            "lines",
            Shape::Quantiles,
            per_line(&|| s.col(t.items, "i", f.item_price).map(|c| format!("{c}::float8"))),
            items,
            item_sample.as_ref(),
        ),
        aspect(
            "units per line",
            s.name(t.items, &[f.item_quantity]),
            "lines",
            Shape::Counts,
            per_line(&|| s.col(t.items, "i", f.item_quantity).map(|c| format!("{c}::float8"))),
            items,
            item_sample.as_ref(),
        ),
        aspect(
            "hour of day",
            s.name(t.orders, &[f.order_created]),
            "orders",
            Shape::Ordered(&HOURS),
            per_order(&|| created().map(|c| format!("extract(hour from {c})::int"))),
            orders,
            order_sample.as_ref(),
        ),
        aspect(
            "day of week",
            s.name(t.orders, &[f.order_created]),
            "orders",
            Shape::Ordered(&DAYS),
            per_order(&|| created().map(|c| format!("extract(isodow from {c})::int - 1"))),
            orders,
            order_sample.as_ref(),
        ),
        aspect(
            "orders per customer",
            s.name(t.orders, &[f.order_customer]),
            "customers",
            Shape::Counts,
            group_sizes(t.orders, "o", f.order_customer, true),
            orders,
            None,
        ),
        aspect(
            "status mix",
            s.name(t.orders, f.order_statuses),
            "orders",
            Shape::Categories,
            per_order(&|| {
                let parts: Vec<String> = f
                    .order_statuses
                    .iter()
                    .filter_map(|field| s.col(t.orders, "o", field).ok())
                    .map(|c| format!("coalesce({c}::text, '-')"))
                    .collect();
                if parts.is_empty() {
                    return Err(format!("{} has none of the status columns ({})", t.orders.qualified(), f.order_statuses.join(", ")));
                }
                Ok(format!("concat_ws('/', {})", parts.join(", ")))
            }),
            orders,
            order_sample.as_ref(),
        ),
        aspect(
            "product type of lines",
            s.name(t.products, &[f.product_type]),
            "lines",
            Shape::Categories,
            s.both(is, |side, sample| {
                let kind = s.col(t.products, "p", f.product_type)?;
                let product = s.col(t.items, "i", f.item_product)?;
                let products = s.plan(t.products)?;
                let (tenant, key) = (quote(&products.tenant_column), quote(&products.marker_column));
                // Each line's type by aggregation, not a join: the lines and
                // the products in one union, the type spread over its
                // product's rows (a plan that stays linear without statistics).
                Ok(format!(
                    "select t as v from (select line, first_value(ty) over (partition by k order by ty nulls last) as t from \
                     (select {product}::text as k, true as line, null::text as ty from {} where {} \
                      union all select p.{key}::text, null, {kind}::text from {} where p.{tenant} = {}) u) w where line",
                    Sides::from(t.items, "i", sample),
                    s.filter(t.items, "i", side)?,
                    Sides::from(t.products, "p", None),
                    literal(workspace)
                ))
            }),
            items,
            item_sample.as_ref(),
        ),
        aspect(
            "discount share",
            s.name(t.orders, &[f.order_discount, f.order_subtotal]),
            "orders",
            Shape::Quantiles,
            per_order(&|| {
                let (d, sub) = (s.col(t.orders, "o", f.order_discount)?, s.col(t.orders, "o", f.order_subtotal)?);
                // Magento stores discounts as negative amounts.
                Ok(format!("abs({d}::float8) / nullif({sub}::float8 + abs({d}::float8), 0)"))
            }),
            orders,
            order_sample.as_ref(),
        ),
    ];
    let mut aspects = aspects;
    aspects.extend(pair_trends(&s, store, orders, query_sample(orders)));
    let scored: Vec<AspectScore> = aspects.into_iter().map(|a| measure(a, store.name, scope, query, warnings)).collect();
    PlatformFidelity { platform: store.name.to_string(), mean: mean(scored.iter().map(|a| a.score)), aspects: scored }
}

/// Over this many real orders, the pair trends read a hash subset of them
/// (each order whole, with its lines) of about this size.
fn query_sample(orders: Volume) -> Option<u64> {
    orders.real.filter(|n| *n > SAMPLE_ROWS).map(|n| n.div_ceil(SAMPLE_ROWS))
}

/// The four order figures whose pairwise correlations are compared: their
/// columns in the query, and each pair's column and name.
const ORDER_FIGURES: [&str; 4] = ["s", "l", "u", "p"];
const ORDER_PAIRS: [(&str, &str); 6] = [
    ("sl", "subtotal ~ lines"),
    ("su", "subtotal ~ units"),
    ("sp", "subtotal ~ unit price"),
    ("lu", "lines ~ units"),
    ("lp", "lines ~ unit price"),
    ("up", "units ~ unit price"),
];

/// Column-pair trends (SDMetrics' CorrelationSimilarity): for every pair of
/// an order's subtotal, lines, units and mean unit price, and for a
/// customer's spend against their orders, the Pearson correlation on each
/// side, compared. An order meets its lines by aggregation (a union grouped
/// by order), not by a join; the six order pairs come from one query per side.
fn pair_trends(s: &Sides, store: &StoreDefinition, orders: Volume, modulus: Option<u64>) -> Vec<Aspect> {
    let (t, f) = (&store.tables, &store.fields);
    let order_sql = |side: Side| -> std::result::Result<String, String> {
        let key = format!("o.{}", quote(&s.plan(t.orders)?.marker_column));
        let subtotal = s.col(t.orders, "o", f.order_subtotal)?;
        let (io, qty, price) =
            (s.col(t.items, "i", f.item_order)?, s.col(t.items, "i", f.item_quantity)?, s.col(t.items, "i", f.item_price)?);
        // The real side of a large store: a hash subset of its orders, the
        // same on both tables, so that each order keeps its lines.
        let subset = |expr: &str| match (side, modulus) {
            (Side::Real, Some(m)) => format!(" and (hashtext({expr}::text) & 2147483647) % {m} = 0"),
            _ => String::new(),
        };
        let pairs: Vec<String> = (0..4)
            .flat_map(|i| (i + 1..4).map(move |j| (i, j)))
            .map(|(i, j)| format!("corr({a}, {b}) as {a}{b}", a = ORDER_FIGURES[i], b = ORDER_FIGURES[j]))
            .collect();
        Ok(format!(
            "select count(*) as n, {} from (select k, max(s) as s, sum(l) as l, sum(u) as u, avg(p) as p from \
             (select {key} as k, {subtotal}::float8 as s, 0 as l, 0::float8 as u, null::float8 as p, 1 as o from {} where {}{} \
              union all select {io}, null, 1, {qty}::float8, {price}::float8, 0 from {} where {}{}) x group by k having sum(o) > 0 and sum(l) > 0) y",
            pairs.join(", "),
            Sides::from(t.orders, "o", None),
            s.filter(t.orders, "o", side)?,
            subset(&key),
            Sides::from(t.items, "i", None),
            s.filter(t.items, "i", side)?,
            subset(&io),
        ))
    };
    let both = s.both(None, |side, _| order_sql(side));
    let sampled = modulus.map(|m| format!("real side: a hash subset of about 1 in {m} orders, each with its lines"));
    let mut out: Vec<Aspect> = ORDER_PAIRS
        .iter()
        .map(|&(pair, name)| Aspect {
            name,
            column: format!("{} per order: {name}", t.orders.name),
            unit: "orders",
            shape: Shape::Correlation(pair),
            sql: both.clone(),
            volume: orders,
            sampled: sampled.clone(),
        })
        .collect();
    let spend = s.both(None, |side, _| {
        let (customer, subtotal) = (s.col(t.orders, "o", f.order_customer)?, s.col(t.orders, "o", f.order_subtotal)?);
        Ok(format!(
            "select count(*) as n, corr(c, v) as cv from (select count(*)::float8 as c, sum({subtotal})::float8 as v from {} where {} and {customer} is not null group by {customer}) x",
            Sides::from(t.orders, "o", None),
            s.filter(t.orders, "o", side)?,
        ))
    });
    out.push(Aspect {
        name: "spend ~ orders per customer",
        column: format!(
            "{} per customer: {} ~ orders",
            t.orders.name,
            s.name(t.orders, &[f.order_subtotal]).rsplit('.').next().unwrap_or("subtotal")
        ),
        unit: "customers",
        shape: Shape::Correlation("cv"),
        sql: spend,
        volume: orders,
        sampled: None,
    });
    out
}

/// The fields of an ads platform's daily campaign metrics.
const ADS_FIELDS: [&str; 4] = ["impressions", "clicks", "cost_micros", "conversions"];

/// An ads platform's table of daily campaign metrics: the first of its
/// tables with impressions, clicks, cost and conversions (campaigns come first).
fn ads_table(platform: &'static dyn Platform) -> Option<&'static TableSpec> {
    platform.tables().iter().copied().find(|t| ADS_FIELDS.iter().all(|f| t.field(f).is_some()))
}

/// The report for an ads platform, over its campaign-day rows: the rates
/// (CTR, CPC, CVR) and the channel mix.
pub fn ads_fidelity(
    platform: &str,
    table: &'static TableSpec,
    plans: &HashMap<&'static str, ColumnPlan>,
    workspace: &str,
    scope: Scope,
    query: &mut Query,
    warnings: &mut Vec<String>,
) -> PlatformFidelity {
    let s = Sides { plans, workspace, scope };
    let volume = s.volume(table, query, warnings);
    let sample = sample_clause(volume);
    let per_day = |expr: &dyn Fn() -> std::result::Result<String, String>| {
        s.both(sample.as_ref().map(|x| x.0.as_str()), |side, sample| {
            Ok(format!("select {} as v from {} where {}", expr()?, Sides::from(table, "c", sample), s.filter(table, "c", side)?))
        })
    };
    let col = |field: &str| s.col(table, "c", field).map(|c| format!("{c}::float8"));
    let rate =
        |num: &'static str, den: &'static str, scale: f64| move || Ok(format!("{} / {scale:.1} / nullif({}, 0)", col(num)?, col(den)?));
    let aspect = |name, fields: &[&str], shape, sql| Aspect {
        name,
        column: s.name(table, fields),
        unit: "campaign-days",
        shape,
        sql,
        volume,
        sampled: sample.as_ref().map(|x| x.1.clone()),
    };
    let aspects = vec![
        aspect("click-through rate", &["clicks", "impressions"], Shape::Quantiles, per_day(&rate("clicks", "impressions", 1.0))),
        aspect("cost per click", &["cost_micros", "clicks"], Shape::Quantiles, per_day(&rate("cost_micros", "clicks", 1e6))),
        aspect("conversion rate", &["conversions", "clicks"], Shape::Quantiles, per_day(&rate("conversions", "clicks", 1.0))),
        aspect(
            "channel mix",
            &["advertising_channel_type"],
            Shape::Categories,
            per_day(&|| s.col(table, "c", "advertising_channel_type").map(|c| format!("{c}::text"))),
        ),
    ];
    let scored: Vec<AspectScore> = aspects.into_iter().map(|a| measure(a, platform, scope, query, warnings)).collect();
    PlatformFidelity { platform: platform.to_string(), mean: mean(scored.iter().map(|a| a.score)), aspects: scored }
}

/// The aggregate query around an aspect's per-observation SQL. (No column
/// may be called `q`: run_select_ws aggregates the rows of a subquery by
/// that name.)
fn aggregate(shape: Shape, inner: &str) -> String {
    match shape {
        // Correlations come aggregated: one row, `n` and a column per pair.
        Shape::Correlation(_) => inner.to_string(),
        Shape::Quantiles => format!(
            "select count(v) as n, percentile_disc((select array_agg(g / {QUANTILES}.0) from generate_series(1, {QUANTILES}) g)) within group (order by v) as quantiles from ({inner}) s"
        ),
        _ => format!(
            "select v, n, sum(n) over () as total from (select v, count(*) as n from ({inner}) s where v is not null group by v) c order by n desc limit {MAX_VALUES}"
        ),
    }
}

/// What one side's answer holds.
enum Measured {
    Numeric(Option<Numeric>, u64),
    Labels(Vec<(String, f64)>, u64),
    Correlation(Option<f64>, u64),
}

fn parse(shape: Shape, answer: &Json) -> Measured {
    let rows = answer.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let total = rows.first().and_then(|r| count(&r["total"])).unwrap_or(0);
    match shape {
        Shape::Quantiles => {
            let row = rows.first().cloned().unwrap_or(Json::Null);
            let q: Vec<f64> = row["quantiles"].as_array().map(|a| a.iter().filter_map(num).collect()).unwrap_or_default();
            Measured::Numeric(Numeric::from_values(&q), count(&row["n"]).unwrap_or(0))
        }
        Shape::Counts => Measured::Numeric(Numeric::from_counts(rows.iter().filter_map(|r| Some((num(&r["v"])?, num(&r["n"])?)))), total),
        Shape::Correlation(pair) => {
            let row = rows.first().cloned().unwrap_or(Json::Null);
            Measured::Correlation(num(&row[pair]), count(&row["n"]).unwrap_or(0))
        }
        Shape::Categories | Shape::Ordered(_) => {
            let mut labels: Vec<(String, f64)> = rows
                .iter()
                .filter_map(|r| {
                    let label = match (&r["v"], shape) {
                        (v, Shape::Ordered(names)) => names.get(num(v)? as usize)?.to_string(),
                        (Json::String(s), _) if s.is_empty() => "(empty)".to_string(),
                        (Json::String(s), _) => s.clone(),
                        (v, _) => v.to_string(),
                    };
                    Some((label, num(&r["n"])?))
                })
                .collect();
            // The values beyond MAX_VALUES, as one category.
            let listed: f64 = labels.iter().map(|l| l.1).sum();
            if (total as f64) > listed {
                labels.push(("(other)".into(), total as f64 - listed));
            }
            if let Shape::Ordered(names) = shape {
                labels = names.iter().map(|n| (n.to_string(), labels.iter().filter(|l| l.0 == *n).map(|l| l.1).sum())).collect();
            }
            Measured::Labels(labels, total)
        }
    }
}

fn measure(a: Aspect, platform: &str, scope: Scope, query: &mut Query, warnings: &mut Vec<String>) -> AspectScore {
    let mut out = AspectScore {
        aspect: a.name.to_string(),
        column: a.column,
        metric: a.shape.metric().to_string(),
        score: None,
        unit: a.unit.to_string(),
        real_rows: 0,
        generated_rows: 0,
        note: None,
        bins: Vec::new(),
    };
    let sql = match a.sql {
        Ok(sql) => sql,
        Err(why) => {
            out.note = Some(format!("not available: {why}"));
            return out;
        }
    };
    let mut sides = Vec::new();
    for (side, empty) in [(Side::Real, a.volume.real == Some(0)), (Side::Generated, a.volume.generated == Some(0))] {
        // A side without rows answers nothing: no need to ask.
        if empty {
            sides.push(None);
            continue;
        }
        let inner = &sql[if side == Side::Real { 0 } else { 1 }];
        match query(&aggregate(a.shape, inner)) {
            Ok(answer) => sides.push(Some(parse(a.shape, &answer))),
            Err(e) => {
                warnings.push(format!("{platform} {}: the query failed: {}", a.name, e.message));
                out.note = Some("not available: its query failed (see the warnings)".into());
                return out;
            }
        }
    }
    let rows = |m: &Option<Measured>| match m {
        Some(Measured::Numeric(_, n) | Measured::Labels(_, n) | Measured::Correlation(_, n)) => *n,
        None => 0,
    };
    (out.real_rows, out.generated_rows) = (rows(&sides[0]), rows(&sides[1]));
    if out.real_rows == 0 || out.generated_rows == 0 {
        let which = if out.real_rows == 0 { "real (not generated)".to_string() } else { generated_words(scope) };
        out.note = Some(format!("not available: no {which} {} with a value", a.unit));
        return out;
    }
    match (&sides[0], &sides[1]) {
        (Some(Measured::Numeric(Some(r), _)), Some(Measured::Numeric(Some(g), _))) => {
            out.score = Some(ks_complement(r, g));
            out.bins = numeric_bins(r, g, MAX_BINS);
        }
        (Some(Measured::Correlation(r, _)), Some(Measured::Correlation(g, _))) => {
            let defined = |c: &Option<f64>| c.is_some_and(f64::is_finite);
            if !defined(r) && !defined(g) {
                // Two constants agree trivially: no evidence either way.
                out.note = Some("not available: the correlation is undefined on both sides (a column holds one value)".into());
                return out;
            }
            out.score = Some(correlation_similarity(*r, *g));
            // One bar per side: the correlation itself, in [-1, 1].
            let at = |c: &Option<f64>| c.filter(|c| c.is_finite()).unwrap_or(0.0);
            out.bins = vec![Bin { label: "Pearson correlation".into(), low: None, high: None, real: at(r), generated: at(g) }];
        }
        (Some(Measured::Labels(r, _)), Some(Measured::Labels(g, _))) => {
            out.score = tv_complement(r, g);
            out.bins = category_bins(r, g, MAX_BINS, matches!(a.shape, Shape::Ordered(_)));
        }
        _ => out.note = Some("not available: the database's answer had no values".into()),
    }
    if out.score.is_some() {
        out.note = a.sampled;
    }
    out
}

fn generated_words(scope: Scope) -> String {
    match scope {
        Scope::AllRuns => "generated".into(),
        Scope::Run(run) => format!("run {run}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::shopify::SHOPIFY;
    use crate::platforms::testkit;

    fn shopify() -> &'static StoreDefinition {
        SHOPIFY.store().unwrap()
    }

    /// A warehouse that answers by the query's shape: table volumes,
    /// quantiles, and counts per value, the same on both sides.
    fn answer(sql: &str) -> Result<Json> {
        if sql.contains("pg_timezone_names") {
            return Ok(serde_json::json!([{"tz": "America/Chicago"}]));
        }
        if sql.contains("filter (where") {
            return Ok(serde_json::json!([{"real": 40, "generated": 10}]));
        }
        if sql.contains("percentile_disc") {
            let q: Vec<f64> = (1..=1000).map(|i| f64::from(i) / 10.0).collect();
            return Ok(serde_json::json!([{"n": 40, "quantiles": q}]));
        }
        if sql.contains("extract(hour") {
            return Ok(serde_json::json!([{"v": 14, "n": 30, "total": 40}, {"v": 20, "n": 10, "total": 40}]));
        }
        if sql.contains("concat_ws") {
            return Ok(serde_json::json!([{"v": "paid/fulfilled", "n": 40, "total": 40}]));
        }
        if sql.contains("corr(") {
            return Ok(serde_json::json!([{"n": 40, "sl": 0.9, "su": 0.8, "sp": 0.3, "lu": 0.95, "lp": -0.1, "up": -0.4, "cv": 0.85}]));
        }
        Ok(serde_json::json!([{"v": 1, "n": 30, "total": 40}, {"v": 2, "n": 10, "total": 40}]))
    }

    #[test]
    fn every_aspect_is_scored_from_aggregates_scoped_to_the_workspace_and_its_side() {
        let plans = testkit::plans(&SHOPIFY, "text");
        let mut seen = Vec::new();
        let mut query = |sql: &str| {
            seen.push(sql.to_string());
            answer(sql)
        };
        let mut warnings = Vec::new();
        let run = RunId::new(42).unwrap();
        let r = store_fidelity(shopify(), &plans, "ws'1", Scope::Run(run), &mut query, &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        let names: Vec<&str> = r.aspects.iter().map(|a| a.aspect.as_str()).collect();
        assert_eq!(
            names,
            [
                "order subtotal",
                "lines per order",
                "unit price",
                "units per line",
                "hour of day",
                "day of week",
                "orders per customer",
                "status mix",
                "product type of lines",
                "discount share",
                "subtotal ~ lines",
                "subtotal ~ units",
                "subtotal ~ unit price",
                "lines ~ units",
                "lines ~ unit price",
                "units ~ unit price",
                "spend ~ orders per customer"
            ]
        );
        let trend = r.aspects.iter().find(|a| a.aspect == "units ~ unit price").unwrap();
        assert_eq!((trend.metric.as_str(), trend.bins[0].real, trend.bins[0].generated), ("CorrelationSimilarity", -0.4, -0.4));
        // The six order pairs are one query per side, which joins nothing.
        let pairs: Vec<&String> = seen.iter().filter(|q| q.contains("corr(s, l)")).collect();
        assert!(pairs.iter().all(|q| q.contains("union all") && !q.contains(" join ")), "{pairs:?}");
        for a in &r.aspects {
            assert_eq!(a.score, Some(1.0), "{a:?}");
            assert!(!a.bins.is_empty() && a.bins.len() <= MAX_BINS, "{a:?}");
            assert_eq!((a.real_rows, a.generated_rows), (40, 40));
        }
        assert_eq!(r.mean, Some(1.0));
        assert_eq!(r.aspects[4].bins.len(), 24, "every hour is a bar");
        assert_eq!(r.aspects[7].column, "dm_orders_shopify.financial_status/fulfillment_status");
        for sql in &seen[3..] {
            assert!(sql.contains("= 'ws''1'"), "workspace literal quoted: {sql}");
            let generated = sql.contains("mock-00042-");
            let real = sql.contains("and not (");
            assert!(generated ^ real, "one side per query: {sql}");
        }
        assert!(seen.iter().any(|q| q.contains("at time zone 'America/Chicago'")));
    }

    #[test]
    fn failing_queries_and_missing_columns_make_aspects_unavailable_not_the_report() {
        let mut plans = testkit::plans(&SHOPIFY, "text");
        // A live orders table without a discount column.
        let orders = SHOPIFY.tables()[4];
        let live: Vec<_> = testkit::live_columns(orders, "text").into_iter().filter(|c| c.name != "total_discounts").collect();
        plans.insert(orders.name, ColumnPlan::new(orders, &live, &HashMap::new()).unwrap());
        let mut query = |sql: &str| {
            if sql.contains("concat_ws") {
                Err(ToolError::new(crate::error::ErrorKind::Database, "statement timeout"))
            } else {
                answer(sql)
            }
        };
        let mut warnings = Vec::new();
        let r = store_fidelity(shopify(), &plans, "ws", Scope::AllRuns, &mut query, &mut warnings);
        let status = r.aspects.iter().find(|a| a.aspect == "status mix").unwrap();
        assert_eq!(status.score, None);
        assert!(warnings.iter().any(|w| w.contains("status mix") && w.contains("statement timeout")), "{warnings:?}");
        let discount = r.aspects.iter().find(|a| a.aspect == "discount share").unwrap();
        assert!(discount.note.as_deref().unwrap().contains("no total_discounts column"), "{discount:?}");
        assert_eq!(r.aspects.iter().filter(|a| a.score.is_some()).count(), 15);
        assert_eq!(r.mean, Some(1.0));
    }

    #[test]
    fn a_side_without_rows_is_not_available_and_not_asked() {
        let plans = testkit::plans(&SHOPIFY, "text");
        let mut asked = 0;
        let mut query = |sql: &str| {
            if sql.contains("filter (where") {
                return Ok(serde_json::json!([{"real": 40, "generated": 0}]));
            }
            if !sql.contains("pg_timezone_names") {
                asked += 1;
                assert!(sql.contains("and not ("), "only the real side is asked: {sql}");
            }
            answer(sql)
        };
        let r = store_fidelity(shopify(), &plans, "ws", Scope::AllRuns, &mut query, &mut Vec::new());
        assert_eq!(asked, 17, "ten aspects, six order pairs (one query, asked once per aspect here), spend per customer");
        assert!(r.aspects.iter().all(|a| a.score.is_none() && a.real_rows == 40 && a.generated_rows == 0));
        assert!(r.aspects[0].note.as_deref().unwrap().contains("no generated orders"), "{:?}", r.aspects[0].note);
        assert_eq!(r.mean, None);
    }

    #[test]
    fn ads_rates_are_read_per_campaign_day() {
        use crate::platforms::google_ads::GOOGLE_ADS;
        let table = ads_table(&GOOGLE_ADS).unwrap();
        assert_eq!(table.name, "dm_ads_campaigns_google");
        let plans = testkit::plans(&GOOGLE_ADS, "bigint");
        let mut seen = Vec::new();
        let mut query = |sql: &str| {
            seen.push(sql.to_string());
            answer(sql)
        };
        let r = ads_fidelity("google-ads", table, &plans, "ws", Scope::AllRuns, &mut query, &mut Vec::new());
        let names: Vec<&str> = r.aspects.iter().map(|a| a.aspect.as_str()).collect();
        assert_eq!(names, ["click-through rate", "cost per click", "conversion rate", "channel mix"]);
        assert!(r.aspects.iter().all(|a| a.score == Some(1.0) && a.unit == "campaign-days"), "{r:?}");
        assert!(seen.iter().any(|q| q.contains("c.\"cost_micros\"::float8 / 1000000.0 / nullif(c.\"clicks\"::float8, 0)")), "{seen:?}");
        assert!(seen.iter().skip(1).all(|q| q.contains(">= 9000")), "bigint keys tell generated rows apart: {seen:?}");
    }

    #[test]
    fn large_real_sides_are_block_sampled_for_per_row_aspects_only() {
        let v = Volume { real: Some(1_000_000), generated: Some(10) };
        let (clause, note) = sample_clause(v).unwrap();
        assert_eq!(clause, "tablesample system (20.0000) repeatable (0)");
        assert!(note.contains("20.0%") && note.contains("1,000,000"));
        assert!(sample_clause(Volume { real: Some(SAMPLE_ROWS), generated: None }).is_none());
        let plans = testkit::plans(&SHOPIFY, "text");
        let mut seen = Vec::new();
        let mut query = |sql: &str| {
            seen.push(sql.to_string());
            if sql.contains("filter (where") { Ok(serde_json::json!([{"real": 1_000_000, "generated": 10}])) } else { answer(sql) }
        };
        let r = store_fidelity(shopify(), &plans, "ws", Scope::AllRuns, &mut query, &mut Vec::new());
        let grouped = seen.iter().filter(|q| q.contains("group by o.\"customer_id\"") || q.contains("group by i.\"order_id\"")).count();
        assert_eq!(grouped, 6, "lines per order and orders per customer, and spend per customer, on each side");
        // The pairs read a hash subset of the real side's orders, each whole.
        assert!(seen.iter().filter(|q| q.contains("corr(s, l)") && q.contains("and not (")).all(|q| q.matches("% 5 = 0").count() == 2));
        assert!(
            seen.iter()
                .filter(|q| q.contains("group by o.\"customer_id\"") || q.contains("group by i.\"order_id\""))
                .all(|q| !q.contains("tablesample"))
        );
        assert!(seen.iter().filter(|q| q.contains("tablesample")).all(|q| q.contains("and not (")), "only the real side is sampled");
        assert!(r.aspects[0].note.as_deref().unwrap().contains("block sample"));
        assert_eq!(r.aspects[1].note, None);
    }
}
