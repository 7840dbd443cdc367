//! Reading a store workspace before extending it: the design's five
//! analyzers, one module each.
//!
//! - `scale`: the workspace's own rows per table and the ratios between them;
//! - `distribution`: quantiles and histograms of prices, baskets, units by
//!   price, discounts on lines and on orders, statuses, types and vendors;
//! - `association`: product popularity, orders per customer, returning
//!   customers, gaps between orders, what returning customers buy again;
//! - `funnel`: pixel events per purchase and per session, and their timing;
//! - `time`: the time zone, the hour-of-week profile, the calendar (orders
//!   per local day), the period.
//!
//! Each runs a few set-based, read-only queries through `run_select_ws`:
//! aggregates computed in the database, bounded samples at most, nothing
//! per row or per product, nothing that needs an index beyond primary keys.
//! No query joins two large relations: a freshly imported tenant has no
//! planner statistics, and a plan chosen on them can rescan one side once
//! per row of the other. Rows meet their order, product or customer by
//! aggregation (a `union all` grouped, or windowed, by the key), a few
//! sampled keys are looked up by primary key (`lateral ... limit 1`).
//! Large tables are read through `TABLESAMPLE` or a hash subset of their
//! groups (see `Sql::sampled`, `Sql::subset`). Every finding says how many
//! rows it rests on and whether it came from the workspace or the defaults;
//! an analyzer whose query fails leaves a warning and the defaults for its
//! aspects, and the run goes on.
//!
//! Rows this tool generated earlier are left out of what is learnt and of
//! what new rows may reference: learning from mock data would drift, and a
//! reference into another run would stop that run from being cleaned alone.

pub mod association;
pub mod distribution;
pub mod funnel;
pub mod scale;
pub mod time;

use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::core::strategy::target;
use crate::core::time::{DAY, Period, Seconds, parse_instant};
use crate::error::Result;
use crate::model::plan::ColumnPlan;
use crate::model::table::TableSpec;
use crate::platforms::findings::Analysis;
use crate::platforms::store::engine::StoreTables;
use crate::platforms::store::inputs::{ExistingShop, StoreInputs};
use crate::platforms::store::orders::OrderStatus;
use crate::platforms::store::taxonomy::vertical_for_types;
use crate::platforms::{AnalysisContext, Query};

/// The fields analysis reads, by their canonical names in the platform's
/// table specs (the live column names are looked up through the plans). An
/// empty name: the platform has no such field.
#[derive(Debug)]
pub struct StoreFields {
    pub shop_currency: &'static str,
    pub shop_timezone: &'static str,
    pub shop_name: &'static str,
    pub shop_domain: &'static str,
    pub shop_country: &'static str,
    pub product_title: &'static str,
    pub product_type: &'static str,
    pub product_vendor: &'static str,
    pub product_created: &'static str,
    /// Where products carry their own price (simple products without variant rows).
    pub product_price: &'static str,
    pub variant_product: &'static str,
    pub variant_price: &'static str,
    pub variant_title: &'static str,
    pub variant_sku: &'static str,
    pub customer_created: &'static str,
    pub customer_email: &'static str,
    pub customer_first_name: &'static str,
    pub customer_last_name: &'static str,
    pub order_created: &'static str,
    pub order_number: &'static str,
    pub item_order: &'static str,
    pub item_product: &'static str,
    pub item_quantity: &'static str,
    pub order_customer: &'static str,
    pub order_currency: &'static str,
    pub order_subtotal: &'static str,
    pub order_discount: &'static str,
    /// The columns holding an `OrderStatus`'s labels, in label order.
    pub order_statuses: &'static [&'static str],
    /// Unit price of a line.
    pub item_price: &'static str,
    /// Discount on a whole line ("" where lines carry none).
    pub item_discount: &'static str,
    pub item_variant: &'static str,
    pub event_name: &'static str,
    pub event_session: &'static str,
    pub event_time: &'static str,
}

/// Rows a sampled read aims at: enough for quantiles to the percent, few
/// enough that a million-order store is read in well under a second.
pub const SAMPLE_ROWS: u64 = 60_000;

/// Length of the generated period when there is nothing to copy: about
/// three orders a day, between a month and half a year, so that a small run
/// still looks like a live store and a large one spreads over seasons.
fn default_days(orders: u64) -> i64 {
    (orders as i64 / 3).clamp(30, 180)
}

/// SQL over the workspace's tables, by field.
pub struct Sql<'a> {
    pub cx: &'a AnalysisContext<'a>,
}

impl Sql<'_> {
    pub fn plan(&self, table: &TableSpec) -> Option<&ColumnPlan> {
        self.cx.plans.get(table.name)
    }

    /// The quoted live column of `field` in `table`, if the table has it.
    pub fn col(&self, table: &TableSpec, field: &str) -> Option<String> {
        let (index, _) = table.field(field)?;
        self.plan(table)?.column_of(index).map(quote)
    }

    /// `alias.column` of `field`, or `null`.
    pub fn opt(&self, table: &TableSpec, field: &str, alias: &str) -> String {
        self.col(table, field).map_or("null".into(), |c| format!("{alias}.{c}"))
    }

    /// Whether `field`'s live column holds numbers.
    pub fn numeric(&self, table: &TableSpec, field: &str) -> bool {
        let Some((index, _)) = table.field(field) else { return false };
        self.plan(table).and_then(|p| p.type_of(index)).is_some_and(|t| {
            matches!(
                t.to_ascii_lowercase().as_str(),
                "smallint" | "integer" | "bigint" | "numeric" | "decimal" | "real" | "double precision"
            )
        })
    }

    /// The table's own key column, quoted.
    pub fn key(&self, table: &TableSpec) -> Option<String> {
        self.plan(table).map(|p| quote(&p.marker_column))
    }

    pub fn from(&self, table: &TableSpec) -> String {
        format!("semantic.{}", quote(table.name))
    }

    /// `semantic.t alias`, read through `TABLESAMPLE SYSTEM` when the
    /// workspace has many more rows than a sample needs. Pages are sampled,
    /// so use it only for figures that do not need whole groups.
    pub fn sampled(&self, table: &TableSpec, alias: &str) -> String {
        self.sampled_of(table, alias, SAMPLE_ROWS)
    }

    /// The same, aiming at `target` rows.
    pub fn sampled_of(&self, table: &TableSpec, alias: &str, target: u64) -> String {
        let rows = self.cx.count(table);
        if rows > 2 * target {
            let percent = (100.0 * target as f64 / rows as f64).max(0.01);
            format!("{} {alias} tablesample system ({percent:.4})", self.from(table))
        } else {
            format!("{} {alias}", self.from(table))
        }
    }

    /// A filter keeping about `SAMPLE_ROWS` of `table`'s rows by a hash of
    /// `expr` (say, the order a line belongs to), so that whole groups stay
    /// together; `true` for tables small enough to read whole.
    pub fn subset(&self, table: &TableSpec, expr: &str) -> String {
        self.subset_of(table, expr, SAMPLE_ROWS)
    }

    /// The same, aiming at `target` rows.
    pub fn subset_of(&self, table: &TableSpec, expr: &str, target: u64) -> String {
        let rows = self.cx.count(table);
        if rows > 2 * target {
            let m = rows.div_ceil(target);
            // Masked, not abs(): abs(-2147483648) overflows an integer.
            format!("(hashtext({expr}::text) & 2147483647) % {m} = 0")
        } else {
            "true".into()
        }
    }

    /// Rows of the workspace that the tool did not generate.
    pub fn real(&self, table: &TableSpec, alias: &str) -> String {
        self.plan(table).map_or("false".into(), |plan| real_rows(plan, alias, self.cx.workspace))
    }

    pub fn workspace(&self, table: &TableSpec, alias: &str) -> String {
        match self.plan(table) {
            Some(plan) => format!("{alias}.{} = {}", quote(&plan.tenant_column), literal(self.cx.workspace)),
            None => "false".into(),
        }
    }
}

/// SQL true for rows of `plan`'s table (as `alias`) in `workspace` that the
/// tool did not generate: what analysis learns from.
pub fn real_rows(plan: &ColumnPlan, alias: &str, workspace: &str) -> String {
    let marker = format!("{alias}.{}", quote(&plan.marker_column));
    format!("{alias}.{} = {} and not {}", quote(&plan.tenant_column), literal(workspace), plan.marker_kind.sql_is_generated(&marker))
}

pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

pub fn literal(text: &str) -> String {
    // A ';' goes in as chr(59): run_select_ws may refuse any ';' in a query,
    // inside a literal or not, so a workspace id with one would break every query.
    let quoted = format!("'{}'", text.replace('\'', "''"));
    if !quoted.contains(';') {
        return quoted;
    }
    format!("({})", quoted.replace(';', "' || chr(59) || '"))
}

/// `array[0.01, ..., 0.99]`: the percentiles quantiles are read at.
pub fn percentile_array(points: &[f64]) -> String {
    let list: Vec<String> = points.iter().map(|p| format!("{p}")).collect();
    format!("array[{}]", list.join(", "))
}

/// p1, p2, ..., p99.
pub fn percentiles_1_to_99() -> Vec<f64> {
    (1..100).map(|p| f64::from(p) / 100.0).collect()
}

pub fn rows(v: &Json) -> &[Json] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

pub fn num(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub fn text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn instant(v: &Json) -> Option<Seconds> {
    v.as_str().and_then(parse_instant)
}

/// A key as the JSON literal rows will carry.
pub fn key(v: &Json) -> Option<Arc<str>> {
    (!v.is_null()).then(|| Arc::from(v.to_string()))
}

/// The first row of an answer.
pub fn first(v: &Json) -> Option<&Json> {
    rows(v).first()
}

/// What every analyzer starts from.
pub struct Probe<'a> {
    pub sql: Sql<'a>,
    pub tables: &'a StoreTables,
    pub f: &'a StoreFields,
    /// The shop's time zone (IANA name), UTC when unknown.
    pub tz: String,
    /// First and last real order.
    pub span: Option<(Seconds, Seconds)>,
    /// Real (not generated) orders.
    pub real_orders: u64,
}

/// Reads the workspace and decides the store generation's inputs.
pub fn analyse(
    cx: &AnalysisContext,
    tables: &StoreTables,
    f: &StoreFields,
    statuses: &[OrderStatus],
    platform: &str,
    query: &mut Query,
) -> (StoreInputs, Analysis) {
    // The workspace's own orders decide the run's size: earlier runs' rows
    // do not count, so runs do not compound.
    let real_orders = cx.real(tables.orders);
    let target = target(cx.strategy, real_orders, cx.forced, "orders");
    let orders = target.count;
    let end = cx.as_of;
    let mut inputs = StoreInputs::defaults(cx.seed, orders, Period { start: end - default_days(orders) * DAY, end });
    inputs.profile_seed = cx.run_seed;
    inputs.rule = target.rule.clone();
    let mut out = Analysis::new(platform);
    let figures = json!({"real_orders": real_orders, "generated_orders": cx.count(tables.orders).saturating_sub(real_orders), "orders": orders, "rule": target.rule});
    if real_orders > 0 {
        out.measured("scale", "run size", real_orders, figures, target.rule);
    } else {
        out.defaults("scale", "run size", figures, target.rule);
    }
    let all = [tables.shop, tables.products, tables.variants, tables.customers, tables.orders, tables.items];
    if all.iter().chain(tables.events.iter()).all(|t| cx.count(t) == 0) {
        // Nothing to read (an empty workspace, or files without one): the
        // industry figures, without a query.
        let (pv, atc, _) = inputs.funnel.per_purchase();
        out.defaults(
            "time",
            "period",
            json!({"days": inputs.period.days()}),
            format!("{} days, about three orders a day", inputs.period.days()),
        );
        out.defaults("distribution", "unit price", json!({}), "the vertical's price shape".into());
        out.defaults(
            "distribution",
            "lines per order",
            json!({"mean": inputs.lines_per_order}),
            format!("1 + Poisson, mean {}", inputs.lines_per_order),
        );
        out.defaults(
            "association",
            "orders per customer",
            json!({"mean": inputs.repeat.orders_per_customer.mean()}),
            "70% of customers buy once".into(),
        );
        out.defaults(
            "funnel",
            "funnel",
            json!({"page_views_per_purchase": pv, "add_to_carts_per_purchase": atc}),
            format!("the design's ratios: {pv:.1} page views and {atc:.1} add-to-carts per purchase"),
        );
        return (inputs, out);
    }
    let mut probe = Probe { sql: Sql { cx }, tables, f, tz: "UTC".into(), span: None, real_orders: 0 };

    // A failing analyzer leaves its aspects at the defaults and a warning.
    let run = |name: &str, aspects: &str, out: &mut Analysis, step: &mut dyn FnMut(&mut Analysis) -> Result<()>| {
        if let Err(e) = step(out) {
            out.warn(format!("{name} analysis failed ({}); {aspects} use industry defaults", e.message));
        }
    };
    run("shop", "currency and time zone", &mut out, &mut |out| {
        inputs.shop = shop(&probe.sql, tables, f, query)?;
        if let Some(s) = &inputs.shop {
            probe.tz = s.timezone.clone().unwrap_or_else(|| "UTC".into());
            out.measured(
                "scale",
                "shop",
                1,
                json!({"name": s.name, "currency": s.currency, "timezone": s.timezone}),
                format!("shop {}", s.name.clone().unwrap_or_else(|| "(unnamed)".into())),
            );
        }
        Ok(())
    });
    // Without a shop row (or its time zone), the zone the orders were placed
    // in: measured and generated in it, and the new shop says which.
    if inputs.shop.as_ref().is_none_or(|s| s.timezone.is_none()) {
        run("time zone", "times of day", &mut out, &mut |out| {
            if let Some((zone, country, currency)) = time::infer_zone(&probe, query)? {
                out.measured(
                    "time",
                    "time zone",
                    probe.real_orders.max(1),
                    json!({"timezone": zone, "country": country, "currency": currency}),
                    format!("no shop time zone: the orders' quiet hours fall at night in {zone}, so they are read and generated there"),
                );
                probe.tz = zone.clone();
                inputs.inferred = Some(ExistingShop {
                    timezone: Some(zone),
                    currency,
                    country_code: Some(country).filter(|c| !c.is_empty()),
                    ..ExistingShop::default()
                });
            }
            Ok(())
        });
    }
    run("time", "times of day, seasons and the period", &mut out, &mut |out| time::analyse(&mut probe, &mut inputs, out, query));
    run("scale", "catalogue growth", &mut out, &mut |out| scale::analyse(&probe, &mut inputs, out, query));
    run("distribution", "prices, baskets, discounts and statuses", &mut out, &mut |out| {
        distribution::analyse(&probe, statuses, &mut inputs, out, query)
    });
    run("association", "popularity and customers", &mut out, &mut |out| association::analyse(&probe, &mut inputs, out, query));
    run("funnel", "pixel sessions", &mut out, &mut |out| funnel::analyse(&probe, &mut inputs, out, query));

    let types: Vec<&str> = inputs.type_mix.iter().map(|(t, _)| t.as_str()).collect();
    inputs.vertical = vertical_for_types(types.iter().copied());
    (inputs, out)
}

/// The shop: a real one first, else one an earlier run made.
fn shop(sql: &Sql, tables: &StoreTables, f: &StoreFields, query: &mut Query) -> Result<Option<ExistingShop>> {
    let t = tables.shop;
    let Some(plan) = sql.plan(t) else { return Ok(None) };
    let cols = [
        ("currency", f.shop_currency),
        ("timezone", f.shop_timezone),
        ("name", f.shop_name),
        ("domain", f.shop_domain),
        ("country", f.shop_country),
    ];
    let select: Vec<String> = cols.iter().map(|(alias, field)| format!("{} as {alias}", sql.opt(t, field, "s"))).collect();
    let marker = format!("s.{}", quote(&plan.marker_column));
    let q = format!(
        "select {} from {} s where {} order by {} limit 1",
        select.join(", "),
        sql.from(t),
        sql.workspace(t, "s"),
        plan.marker_kind.sql_is_generated(&marker)
    );
    Ok(first(&query(&q)?).map(|r| ExistingShop {
        currency: text(&r["currency"]),
        timezone: text(&r["timezone"]),
        name: text(&r["name"]),
        domain: text(&r["domain"]),
        country_code: text(&r["country"]),
    }))
}

/// The one row an aggregate without GROUP BY returns; null while its
/// answer is not known yet (a round of `service::rounds` that guesses), so
/// that the step goes on and asks its other questions in the same round.
pub fn the_row(v: &Json) -> &Json {
    first(v).unwrap_or(&Json::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_escaped() {
        assert_eq!(quote("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(literal("o'brien"), "'o''brien'");
        assert_eq!(percentile_array(&[0.25, 0.5]), "array[0.25, 0.5]");
        assert_eq!(percentiles_1_to_99().len(), 99);
    }
}
