//! Reading a store workspace before extending it (the design's analysers):
//! scale, price distribution, popularity, basket size, time of day, funnel.
//! Each aspect is one read-only query through `run_select_ws`, aggregated in
//! the database so answers stay small; an aspect the workspace cannot answer
//! (no rows, no such column) keeps its industry default.
//!
//! Rows this tool generated earlier are left out of what is learnt and of
//! what new rows may reference: learning from mock data would drift, and a
//! reference into another run would stop that run from being cleaned alone.

use std::sync::Arc;

use serde_json::Value as Json;

use crate::core::money::to_cents;
use crate::core::stats::Percentiles;
use crate::core::strategy::target_orders;
use crate::core::time::{DAY, Period, Seconds, WeeklyShape, parse_instant};
use crate::error::Result;
use crate::model::table::TableSpec;
use crate::platforms::store::engine::StoreTables;
use crate::platforms::store::inputs::{
    ExistingCustomer, ExistingProduct, ExistingShop, ExistingVariant, Funnel, StoreInputs, default_new_products,
};
use crate::platforms::store::taxonomy::vertical_for_types;
use crate::platforms::{AnalysisContext, Query};

/// The fields analysis reads, by their canonical names in the platform's
/// table specs (the live column names are looked up through the plans).
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
}

/// Length of the generated period when there is nothing to copy: about
/// three orders a day, between a month and half a year, so that a small run
/// still looks like a live store and a large one spreads over seasons.
fn default_days(orders: u64) -> i64 {
    (orders as i64 / 3).clamp(30, 180)
}
const PRODUCT_SAMPLE: u32 = 500;
const CUSTOMER_SAMPLE: u32 = 2000;

struct Sql<'a> {
    cx: &'a AnalysisContext<'a>,
}

impl Sql<'_> {
    /// The quoted live column of `field` in `table`, if the table has it.
    fn col(&self, table: &TableSpec, field: &str) -> Option<String> {
        let (index, _) = table.field(field)?;
        self.cx.plan(table).column_of(index).map(quote)
    }

    fn from(&self, table: &TableSpec) -> String {
        format!("semantic.{}", quote(table.name))
    }

    /// Rows of the workspace that the tool did not generate.
    fn real(&self, table: &TableSpec, alias: &str) -> String {
        let plan = self.cx.plan(table);
        let marker = format!("{alias}.{}", quote(&plan.marker_column));
        format!("{} and not {}", self.workspace(table, alias), plan.marker_kind.sql_is_generated(&marker))
    }

    fn workspace(&self, table: &TableSpec, alias: &str) -> String {
        format!("{alias}.{} = {}", quote(&self.cx.plan(table).tenant_column), literal(self.cx.workspace))
    }
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

fn rows(v: &Json) -> &[Json] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn num(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn instant(v: &Json) -> Option<Seconds> {
    v.as_str().and_then(parse_instant)
}

/// A key as the JSON literal rows will carry.
fn key(v: &Json) -> Option<Arc<str>> {
    (!v.is_null()).then(|| Arc::from(v.to_string()))
}

/// Reads the workspace and decides the store generation's inputs. Returns
/// the inputs and one line on what was found.
pub fn analyse(cx: &AnalysisContext, tables: &StoreTables, f: &StoreFields, seed: u64, query: &mut Query) -> Result<(StoreInputs, String)> {
    let sql = Sql { cx };
    let existing_orders = cx.count(tables.orders);
    let orders = target_orders(cx.strategy, existing_orders, cx.forced);
    let mut found = Vec::new();

    // The shop: a real one first, else one an earlier run made.
    let shop = {
        let t = tables.shop;
        let cols = [
            ("currency", f.shop_currency),
            ("timezone", f.shop_timezone),
            ("name", f.shop_name),
            ("domain", f.shop_domain),
            ("country", f.shop_country),
        ];
        let select: Vec<String> = cols
            .iter()
            .map(|(alias, field)| format!("{} as {alias}", sql.col(t, field).map_or("null".into(), |c| format!("s.{c}"))))
            .collect();
        let marker = format!("s.{}", quote(&cx.plan(t).marker_column));
        let q = format!(
            "select {} from {} s where {} order by {} limit 1",
            select.join(", "),
            sql.from(t),
            sql.workspace(t, "s"),
            cx.plan(t).marker_kind.sql_is_generated(&marker)
        );
        rows(&query(&q)?).first().map(|r| ExistingShop {
            currency: text(&r["currency"]),
            timezone: text(&r["timezone"]),
            name: text(&r["name"]),
            domain: text(&r["domain"]),
            country_code: text(&r["country"]),
        })
    };
    if let Some(s) = &shop {
        found.push(format!("shop {}", s.name.clone().unwrap_or_else(|| "(unnamed)".into())));
    }
    let tz = shop.as_ref().and_then(|s| s.timezone.clone()).unwrap_or_else(|| "UTC".into());

    // Orders: scale, period, numbering, time of day.
    let (mut period_days, mut max_number, mut real_orders, mut shape) = (default_days(orders), None::<u64>, 0u64, WeeklyShape::default());
    if let Some(created) = sql.col(tables.orders, f.order_created) {
        let t = tables.orders;
        let number = sql
            .col(t, f.order_number)
            .map_or("null".into(), |c| format!("max(case when o.{c}::text ~ '^[0-9]{{1,15}}$' then o.{c}::text::bigint end)"));
        // Numbers continue after every order but this run's own.
        let marker = format!("o.{}", quote(&cx.plan(t).marker_column));
        let q = format!(
            "select count(*) filter (where {real}) as real, min(o.{created}) filter (where {real}) as first, max(o.{created}) filter (where {real}) as last, {number} as max_number from {} o where {} and not {}",
            sql.from(t),
            sql.workspace(t, "o"),
            cx.plan(t).marker_kind.sql_is_run(&marker, cx.run),
            real = sql.real(t, "o"),
        );
        if let Some(r) = rows(&query(&q)?).first() {
            real_orders = num(&r["real"]).unwrap_or(0.0) as u64;
            max_number = num(&r["max_number"]).map(|n| n as u64);
            if let (Some(a), Some(b)) = (instant(&r["first"]), instant(&r["last"]))
                && real_orders >= 2
            {
                period_days = ((b - a) / DAY).clamp(30, 730);
            }
        }
        if real_orders >= 20 {
            let q = format!(
                "select extract(hour from o.{created} at time zone {tz})::int as h, (extract(isodow from o.{created} at time zone {tz})::int - 1) as d, count(*) as n from {} o where {} group by 1, 2",
                sql.from(t),
                sql.real(t, "o"),
                tz = literal(&tz),
            );
            let (mut hours, mut days) = ([0.0; 24], [0.0; 7]);
            for r in rows(&query(&q)?) {
                let (h, d, n) = (num(&r["h"]).unwrap_or(0.0) as usize, num(&r["d"]).unwrap_or(0.0) as usize, num(&r["n"]).unwrap_or(0.0));
                hours[h.min(23)] += n;
                days[d.min(6)] += n;
            }
            shape = WeeklyShape::from_counts(&hours, &days);
        }
        found.push(format!("{existing_orders} orders ({real_orders} not generated)"));
    }

    // Basket: lines per order and units per line.
    let (mut lines_per_order, mut units_per_line) = (2.2, 2.0);
    if let (Some(order), Some(qty)) = (sql.col(tables.items, f.item_order), sql.col(tables.items, f.item_quantity)) {
        let q = format!(
            "select count(*) as lines, count(distinct i.{order}) as orders, avg(i.{qty}::float8) as units from {} i where {}",
            sql.from(tables.items),
            sql.real(tables.items, "i")
        );
        if let Some(r) = rows(&query(&q)?).first() {
            let (lines, orders_n) = (num(&r["lines"]).unwrap_or(0.0), num(&r["orders"]).unwrap_or(0.0));
            if lines >= 20.0 && orders_n > 0.0 {
                lines_per_order = (lines / orders_n).clamp(1.0, 8.0);
                units_per_line = num(&r["units"]).unwrap_or(2.0).clamp(1.0, 10.0);
                found.push(format!("{lines_per_order:.1} lines per order"));
            }
        }
    }

    // Prices: percentiles of variant prices (or product prices without variants).
    let mut prices = None;
    let price_source = sql
        .col(tables.variants, f.variant_price)
        .map(|c| (tables.variants, c))
        .or_else(|| sql.col(tables.products, f.product_price).map(|c| (tables.products, c)));
    if let Some((t, price)) = price_source {
        let q = format!(
            "select percentile_cont(array[0.1, 0.25, 0.5, 0.75, 0.9]) within group (order by x.{price}::float8) as p, count(*) as n from {} x where {} and x.{price} > 0",
            sql.from(t),
            sql.real(t, "x")
        );
        if let Some(r) = rows(&query(&q)?).first()
            && num(&r["n"]).unwrap_or(0.0) >= 5.0
        {
            let ps: Vec<f64> = r["p"].as_array().map(|a| a.iter().filter_map(num).collect()).unwrap_or_default();
            if ps.len() == 5 {
                prices = Percentiles::new(vec![(0.1, ps[0]), (0.25, ps[1]), (0.5, ps[2]), (0.75, ps[3]), (0.9, ps[4])], 0.5);
                found.push(format!("median price {:.2}", ps[2]));
            }
        }
    }

    // Products people buy, with their variants and popularity.
    let products = existing_products(&sql, tables, f, query)?;
    if !products.is_empty() {
        found.push(format!("{} products sampled", products.len()));
    }
    let customers = existing_customers(&sql, tables, f, query)?;
    if !customers.is_empty() {
        found.push(format!("{} customers sampled", customers.len()));
    }

    // Funnel, where the platform has pixel events.
    let mut funnel = Funnel::default();
    if let Some(events) = tables.events
        && let (Some(name), Some(session)) = (sql.col(events, f.event_name), sql.col(events, f.event_session))
    {
        let q = format!(
            "with s as (select e.{session} as sid, bool_or(e.{name} = 'purchase') as bought, count(*) filter (where e.{name} = 'page_view') as pv, count(*) filter (where e.{name} = 'add_to_cart') as atc, count(*) filter (where e.{name} = 'purchase') as pur from {} e where {} group by 1) \
                 select count(*) as sessions, count(*) filter (where bought) as buying, sum(pv) filter (where bought) as buyer_pv, sum(atc) filter (where bought) as buyer_atc, sum(pur) as purchases, avg(pv) filter (where not bought) as browser_pv, avg((atc > 0)::int) filter (where not bought) as browser_cart from s",
            sql.from(events),
            sql.real(events, "e")
        );
        if let Some(r) = rows(&query(&q)?).first() {
            let g = |k: &str| num(&r[k]).unwrap_or(0.0);
            if g("sessions") >= 50.0 && g("purchases") >= 5.0 {
                funnel = measured_funnel(
                    g("sessions"),
                    g("buying"),
                    g("buyer_pv"),
                    g("buyer_atc"),
                    g("purchases"),
                    g("browser_pv"),
                    g("browser_cart"),
                );
                found.push(format!("session conversion {:.1}%", funnel.session_conversion * 100.0));
            }
        }
    }

    // Vendors and product types the store already uses.
    let mut existing_types: Vec<String> = products.iter().filter_map(|p| p.product_type.clone()).collect();
    existing_types.sort();
    existing_types.dedup();
    let mut existing_vendors: Vec<String> = products.iter().filter_map(|p| p.vendor.clone()).collect();
    existing_vendors.sort();
    existing_vendors.dedup();

    let end = cx.as_of;
    let mut inputs = StoreInputs::defaults(seed, orders, Period { start: end - period_days * DAY, end });
    inputs.profile_seed = cx.run_seed;
    inputs.shape = shape;
    inputs.shop = shop;
    inputs.prices = prices;
    inputs.lines_per_order = lines_per_order;
    inputs.units_per_line = units_per_line;
    inputs.new_products = default_new_products(orders, products.len());
    inputs.vertical = vertical_for_types(existing_types.iter().map(String::as_str));
    inputs.existing_types = existing_types;
    inputs.existing_vendors = existing_vendors;
    inputs.existing_products = products;
    inputs.existing_customers = customers;
    inputs.order_number_start = max_number.map_or(1001, |n| n + 1);
    inputs.funnel = funnel;
    let found =
        if found.is_empty() { "empty workspace, using industry defaults".to_string() } else { format!("found {}", found.join(", ")) };
    Ok((inputs, found))
}

/// Funnel figures measured in a workspace, kept inside the design's ranges.
fn measured_funnel(
    sessions: f64,
    buying: f64,
    buyer_pv: f64,
    buyer_atc: f64,
    purchases: f64,
    browser_pv: f64,
    browser_cart: f64,
) -> Funnel {
    let around = |ratio: f64, lo: u32, hi: u32| {
        let r = ratio.round().clamp(f64::from(lo), f64::from(hi)) as u32;
        (r.saturating_sub(1).max(lo), (r + 1).min(hi))
    };
    Funnel {
        buyer_page_views: around(buyer_pv / purchases, 5, 10),
        buyer_carts: around(buyer_atc / purchases, 2, 4),
        session_conversion: (buying / sessions).clamp(0.005, 0.10),
        browser_cart_rate: browser_cart.clamp(0.0, 0.3),
        browser_page_views: browser_pv.clamp(1.0, 8.0),
    }
}

fn existing_products(sql: &Sql, tables: &StoreTables, f: &StoreFields, query: &mut Query) -> Result<Vec<ExistingProduct>> {
    let (p, v, i) = (tables.products, tables.variants, tables.items);
    let plan = sql.cx.plan(p);
    let pkey = quote(&plan.marker_column);
    let Some(title) = sql.col(p, f.product_title) else { return Ok(Vec::new()) };
    let opt = |t: &TableSpec, field: &str, alias: &str| sql.col(t, field).map_or("null".into(), |c| format!("{alias}.{c}"));
    let lines = match sql.col(i, f.item_product) {
        Some(ip) => format!("(select count(*) from {} i where {} and i.{ip} = p.{pkey})", sql.from(i), sql.real(i, "i")),
        None => "0".into(),
    };
    let variants = match (sql.col(v, f.variant_product), sql.col(v, f.variant_price)) {
        (Some(vp), Some(price)) => format!(
            "(select json_agg(json_build_object('key', v.{vkey}, 'title', {vt}, 'sku', {vs}, 'price', v.{price})) from {} v where {} and v.{vp} = p.{pkey} and v.{price} > 0)",
            sql.from(v),
            sql.real(v, "v"),
            vkey = quote(&sql.cx.plan(v).marker_column),
            vt = opt(v, f.variant_title, "v"),
            vs = opt(v, f.variant_sku, "v"),
        ),
        _ => "null".into(),
    };
    let q = format!(
        "select p.{pkey} as key, p.{title} as title, {ptype} as product_type, {vendor} as vendor, {created} as created, {price} as price, {lines} as lines, {variants} as variants \
         from {} p where {} order by 7 desc limit {PRODUCT_SAMPLE}",
        sql.from(p),
        sql.real(p, "p"),
        ptype = opt(p, f.product_type, "p"),
        vendor = opt(p, f.product_vendor, "p"),
        created = opt(p, f.product_created, "p"),
        price = opt(p, f.product_price, "p"),
    );
    let answer = query(&q)?;
    Ok(rows(&answer)
        .iter()
        .filter_map(|r| {
            let mut variants: Vec<ExistingVariant> = rows(&r["variants"])
                .iter()
                .filter_map(|v| {
                    Some(ExistingVariant {
                        key: key(&v["key"]),
                        title: text(&v["title"]),
                        sku: text(&v["sku"]),
                        price: to_cents(num(&v["price"])?),
                    })
                })
                .collect();
            if variants.is_empty() {
                // A product without variant rows sells at its own price.
                variants.push(ExistingVariant { key: None, title: None, sku: None, price: to_cents(num(&r["price"])?) });
            }
            Some(ExistingProduct {
                key: key(&r["key"])?,
                title: text(&r["title"])?,
                product_type: text(&r["product_type"]),
                vendor: text(&r["vendor"]),
                created_at: instant(&r["created"]),
                order_lines: num(&r["lines"]).unwrap_or(0.0) as u64,
                variants,
            })
        })
        .collect())
}

fn existing_customers(sql: &Sql, tables: &StoreTables, f: &StoreFields, query: &mut Query) -> Result<Vec<ExistingCustomer>> {
    let c = tables.customers;
    let Some(created) = sql.col(c, f.customer_created) else { return Ok(Vec::new()) };
    let opt = |field: &str| sql.col(c, field).map_or("null".into(), |col| format!("c.{col}"));
    let q = format!(
        "select c.{key} as key, c.{created} as created, {email} as email, {first} as first, {last} as last from {} c where {} order by c.{created} desc limit {CUSTOMER_SAMPLE}",
        sql.from(c),
        sql.real(c, "c"),
        key = quote(&sql.cx.plan(c).marker_column),
        email = opt(f.customer_email),
        first = opt(f.customer_first_name),
        last = opt(f.customer_last_name),
    );
    let answer = query(&q)?;
    Ok(rows(&answer)
        .iter()
        .filter_map(|r| {
            Some(ExistingCustomer {
                key: key(&r["key"])?,
                created_at: instant(&r["created"]),
                email: text(&r["email"]),
                first_name: text(&r["first"]),
                last_name: text(&r["last"]),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_escaped() {
        assert_eq!(quote("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(literal("o'brien"), "'o''brien'");
    }

    #[test]
    fn measured_funnels_stay_in_the_design_ranges() {
        let f = measured_funnel(1000.0, 20.0, 400.0, 10.0, 20.0, 1.5, 0.05);
        assert_eq!(f.buyer_page_views, (9, 10));
        assert_eq!(f.buyer_carts, (2, 3));
        assert!((f.session_conversion - 0.02).abs() < 1e-9);
    }
}
