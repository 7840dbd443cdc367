//! Distribution: the shape of what is sold, as quantiles and histograms
//! (never means): unit price p1..p99 overall and by product type, order
//! subtotal and discount share, lines per order and units per line, the
//! status mix in the platform's own words, the product type and vendor mix.

use serde_json::{Value as Json, json};

use crate::core::stats::{Discrete, Percentiles};
use crate::error::Result;
use crate::platforms::Query;
use crate::platforms::findings::Analysis;
use crate::platforms::store::analysis::{Probe, SAMPLE_ROWS, num, percentile_array, percentiles_1_to_99, rows, text, the_row};
use crate::platforms::store::inputs::{Discounts, StoreInputs};
use crate::platforms::store::orders::OrderStatus;

const NAME: &str = "distribution";
/// Rows below which an aspect keeps its defaults.
const MIN_ROWS: f64 = 20.0;
/// Product types whose own price quantiles are read.
const PRICED_TYPES: u32 = 30;
/// Types and vendors kept in the mix.
const MIX_LIMIT: u32 = 200;
/// Lines read for the figures that need fewer than the unit price's
/// quantiles (price by type, units by price, lines' own discounts).
const SECONDARY_SAMPLE: u64 = 30_000;
/// Histograms stop here; the rare larger values count as this one.
const HISTOGRAM_CAP: u32 = 200;

pub fn analyse(p: &Probe, statuses: &[OrderStatus], inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    lines(p, inputs, out, query)?;
    prices_and_units(p, inputs, out, query)?;
    orders(p, inputs, out, query)?;
    status_mix(p, statuses, inputs, out, query)?;
    catalogue_mix(p, inputs, out, query)
}

/// Quantiles as (p, value) pairs, from an array answer.
fn quantiles(points: &[f64], v: &Json) -> Option<Percentiles> {
    let values: Vec<f64> = v.as_array()?.iter().filter_map(num).collect();
    if values.len() != points.len() {
        return None;
    }
    let (lo, hi) = (values[0], values[values.len() - 1]);
    if hi - lo < 1e-9 {
        // One value throughout (a store that sells everything at 25): keep it.
        return Percentiles::new(vec![(0.01, lo), (0.99, lo + 1e-6)], 0.0);
    }
    Percentiles::new(points.iter().copied().zip(values).collect(), 0.01)
}

/// A histogram from `[[value, count], ...]` rows.
fn histogram(answer: &Json, value: &str) -> Option<Discrete> {
    Discrete::new(rows(answer).iter().filter_map(|r| Some((num(&r[value])? as u32, num(&r["n"])?))))
}

fn lines(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, t) = (&p.sql, p.tables.items);
    let Some(order) = sql.col(t, p.f.item_order) else { return Ok(()) };
    // Whole orders: a hash subset of orders, not a page sample; read with
    // the discounts per order where the tables allow (one scan of the lines).
    let h = match basket_sql(p) {
        Some(q) => {
            let answer = query(&q)?;
            Discrete::new(rows(&the_row(&answer)["lines"]).iter().filter_map(|r| Some((num(&r[0])? as u32, num(&r[1])?))))
        }
        None => {
            let q = format!(
                "select least(k, {HISTOGRAM_CAP}) as k, count(*) as n from (select i.{order}, count(*) as k from {} i where {} and {} group by 1) s group by 1",
                sql.from(t),
                sql.real(t, "i"),
                sql.subset(t, &format!("i.{order}")),
            );
            histogram(&query(&q)?, "k")
        }
    };
    match h.filter(|h| h.total() >= MIN_ROWS) {
        Some(h) => {
            out.measured(NAME, "lines per order", h.total() as u64, shares(&h), format!("{:.1} lines per order", h.mean()));
            inputs.lines_per_order = h.mean();
            inputs.lines = Some(h);
        }
        None => out.defaults(
            NAME,
            "lines per order",
            json!({"mean": inputs.lines_per_order}),
            format!("1 + Poisson, mean {}", inputs.lines_per_order),
        ),
    }
    Ok(())
}

/// Orders read whole for baskets and discounts.
const BASKET_ORDERS: u64 = SAMPLE_ROWS / 3;

/// Per order of a hash subset of orders (its lines gathered by aggregation,
/// not a join): lines, and what its discount column says against its lines'
/// own discounts. One query serves the lines-per-order histogram and the
/// split of discounts between lines and orders.
fn basket_sql(p: &Probe) -> Option<String> {
    let (sql, ot, it) = (&p.sql, p.tables.orders, p.tables.items);
    let (io, okey) = (sql.col(it, p.f.item_order)?, sql.key(ot)?);
    let od = sql.col(ot, p.f.order_discount).map_or("0::float8".to_string(), |c| format!("abs(coalesce(o.{c}, 0))::float8"));
    let own = sql.col(it, p.f.item_discount).map_or("0::float8".to_string(), |c| format!("abs(coalesce(i.{c}, 0))::float8"));
    let value = match (sql.col(it, p.f.item_quantity), sql.col(it, p.f.item_price)) {
        (Some(q), Some(pr)) => format!("(i.{q} * i.{pr})::float8"),
        _ => "0::float8".to_string(),
    };
    let rates = percentile_array(&RATE_POINTS);
    // The same hash subset of orders on both sides, so each order meets its lines.
    let subset = |expr: &str| sql.subset_of(ot, expr, BASKET_ORDERS);
    Some(format!(
        "with u as (select o.{okey} as k, {od} as od, 0::float8 as ld, 0::float8 as g, 0 as lines from {} o where {} and {} \
           union all select i.{io}, 0, {own}, {value}, 1 from {} i where {} and {}), \
         o as (select k, sum(od) as od, sum(ld) as ld, sum(g) as g, sum(lines) as l from u group by k having sum(lines) > 0 and count(*) > sum(lines)) \
         select count(*) as orders, count(*) filter (where ld > 0.005 and abs(od - ld) <= 0.01 + 0.001 * ld) as counts_lines, \
           count(*) filter (where ld > 0.005 and od <= 0.005) as leaves_lines, \
           count(*) filter (where od - ld > 0.005) as extra_in, \
           percentile_cont({rates}) within group (order by (od - ld) / (g - ld)) filter (where od - ld > 0.005 and g - ld > 0) as rate_in, \
           count(*) filter (where od > 0.005) as extra_out, \
           percentile_cont({rates}) within group (order by od / (g - ld)) filter (where od > 0.005 and g - ld > 0) as rate_out, \
           (select json_agg(json_build_array(k, n)) from (select least(l, {HISTOGRAM_CAP}) as k, count(*) as n from o group by 1) h) as lines from o",
        sql.from(ot),
        sql.real(ot, "o"),
        subset(&format!("o.{okey}")),
        sql.from(it),
        sql.real(it, "i"),
        subset(&format!("i.{io}")),
    ))
}

fn shares(h: &Discrete) -> Json {
    json!({"mean": (h.mean() * 100.0).round() / 100.0, "histogram": h.shares().map(|(v, s)| json!([v, (s * 10_000.0).round() / 10_000.0])).collect::<Vec<_>>()})
}

fn prices_and_units(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, t) = (&p.sql, p.tables.items);
    let points = percentiles_1_to_99();
    if let Some(price) = sql.col(t, p.f.item_price) {
        let q = format!(
            "select percentile_cont({}) within group (order by i.{price}::float8) as p, count(*) as n from {} where {} and i.{price} > 0",
            percentile_array(&points),
            sql.sampled(t, "i"),
            sql.real(t, "i"),
        );
        let answer = query(&q)?;
        let r = the_row(&answer);
        let n = num(&r["n"]).unwrap_or(0.0);
        match quantiles(&points, &r["p"]).filter(|_| n >= MIN_ROWS) {
            Some(q) => {
                out.measured(
                    NAME,
                    "unit price",
                    n as u64,
                    json!({"p10": q.quantile(0.1), "p50": q.median(), "p90": q.quantile(0.9)}),
                    format!("median unit price {:.2}", q.median()),
                );
                inputs.prices = Some(q);
            }
            None => out.defaults(NAME, "unit price", json!({}), "the vertical's price shape".into()),
        }
        // By product type, for new products of that type.
        if let (Some(product), Some(pkey), Some(ptype)) =
            (sql.col(t, p.f.item_product), sql.key(p.tables.products), sql.col(p.tables.products, p.f.product_type))
        {
            let by = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
            // Each line's product type by aggregation, not a join (plans
            // that stay linear without statistics): the sampled lines and the
            // products in one union, the type spread over its product's rows.
            let q = format!(
                "with u as (select i.{product} as k, i.{price}::float8 as p, null::text as t from {} where {} and i.{price} > 0 \
                   union all select x.{pkey}, null, x.{ptype}::text from {} x where {} and x.{ptype} is not null), \
                 w as (select p, first_value(t) over (partition by k order by t nulls last) as t from u) \
                 select t, percentile_cont({}) within group (order by p) as p, count(*) as n from w where p is not null and t is not null group by 1 order by 3 desc limit {PRICED_TYPES}",
                sql.sampled_of(t, "i", SECONDARY_SAMPLE),
                sql.real(t, "i"),
                sql.from(p.tables.products),
                sql.workspace(p.tables.products, "x"),
                percentile_array(&by),
            );
            // Asked with the overall prices (one round), used with them.
            let answer = query(&q)?;
            inputs.prices_by_type = rows(&answer)
                .iter()
                .filter(|_| inputs.prices.is_some())
                .filter(|r| num(&r["n"]).unwrap_or(0.0) >= MIN_ROWS)
                .filter_map(|r| Some((text(&r["t"])?, quantiles(&by, &r["p"])?)))
                .collect();
            if !inputs.prices_by_type.is_empty() {
                let medians: serde_json::Map<String, Json> =
                    inputs.prices_by_type.iter().map(|(t, q)| (t.clone(), json!(q.median()))).collect();
                out.measured(
                    NAME,
                    "unit price by type",
                    n as u64,
                    json!({"median": medians}),
                    format!("prices of {} product types", medians.len()),
                );
            }
        }
    }
    if let Some(qty) = sql.col(t, p.f.item_quantity) {
        // Units per line overall, and within each quarter of lines by unit
        // price: cheap staples go several at a time, dear items one.
        let price = sql.col(t, p.f.item_price).map_or("null::float8".to_string(), |c| format!("i.{c}::float8"));
        let q = format!(
            "select b, units, count(*) as n, max(p) as top from (select least(greatest(i.{qty}::int, 1), {HISTOGRAM_CAP}) as units, {price} as p, \
               ntile({PRICE_BANDS}) over (order by {price}) as b from {} where {} and i.{qty} is not null) x group by grouping sets ((units), (b, units), (b))",
            sql.sampled_of(t, "i", SECONDARY_SAMPLE),
            sql.real(t, "i"),
        );
        let answer = query(&q)?;
        let overall = Discrete::new(
            rows(&answer).iter().filter(|r| r["b"].is_null()).filter_map(|r| Some((num(&r["units"])? as u32, num(&r["n"])?))),
        );
        match overall.filter(|h| h.total() >= MIN_ROWS) {
            Some(h) => {
                out.measured(NAME, "units per line", h.total() as u64, shares(&h), format!("{:.2} units per line", h.mean()));
                inputs.units_per_line = h.mean();
                inputs.units = Some(h);
                inputs.units_by_price = bands(&answer);
            }
            None => out.defaults(
                NAME,
                "units per line",
                json!({"mean": inputs.units_per_line}),
                format!("1 + Poisson, mean {}", inputs.units_per_line),
            ),
        }
    }
    Ok(())
}

/// Quarters of lines by unit price for units per line.
const PRICE_BANDS: u32 = 4;

/// Units per line by price band: (the band's highest unit price, its
/// histogram), cheapest first; empty unless every band has enough lines.
fn bands(answer: &Json) -> Vec<(f64, Discrete)> {
    let mut out = Vec::new();
    for b in 1..=PRICE_BANDS {
        let of = |r: &&Json| num(&r["b"]) == Some(f64::from(b));
        let top = rows(answer).iter().filter(of).find(|r| r["units"].is_null()).and_then(|r| num(&r["top"]));
        let h = Discrete::new(rows(answer).iter().filter(of).filter_map(|r| Some((num(&r["units"])? as u32, num(&r["n"])?))));
        match (top, h.filter(|h| h.total() >= MIN_ROWS)) {
            (Some(top), Some(h)) => out.push((top, h)),
            _ => return Vec::new(),
        }
    }
    out
}

/// Order subtotals (reported: they follow from lines, units and prices) and
/// discounts, wherever the workspace records them (followed): on orders
/// (share of orders, depth), on lines of their own (share of lines, depth),
/// and whether an order's discount column counts its lines' discounts.
fn orders(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, t) = (&p.sql, p.tables.orders);
    let Some(subtotal) = sql.col(t, p.f.order_subtotal) else { return Ok(()) };
    let points = percentiles_1_to_99();
    let rates = percentile_array(&RATE_POINTS);
    // Magento records an order's discount as a negative amount.
    let (share, rate) = match sql.col(t, p.f.order_discount) {
        Some(d) => (
            format!("count(*) filter (where abs(o.{d}) > 0.005)"),
            format!(
                "percentile_cont({rates}) within group (order by (abs(o.{d}) / nullif(o.{subtotal} + abs(o.{d}), 0))::float8) filter (where abs(o.{d}) > 0.005 and o.{subtotal} + abs(o.{d}) > 0)"
            ),
        ),
        None => ("null".into(), "null".into()),
    };
    let q = format!(
        "select percentile_cont({}) within group (order by o.{subtotal}::float8) as p, count(*) as n, {share} as discounted, {rate} as rate from {} where {} and o.{subtotal} is not null",
        percentile_array(&points),
        sql.sampled(t, "o"),
        sql.real(t, "o"),
    );
    let answer = query(&q)?;
    // Asked together with the orders' figures (one round trip).
    let split = line_discounts(p, query)?;
    let r = the_row(&answer);
    let n = num(&r["n"]).unwrap_or(0.0);
    if n < MIN_ROWS {
        out.defaults(NAME, "discounts", json!({"share": inputs.discounts.share}), "18% of orders use a 10-25% code".into());
        return Ok(());
    }
    if let Some(q) = quantiles(&points, &r["p"]) {
        out.measured(
            NAME,
            "order subtotal",
            n as u64,
            json!({"p10": q.quantile(0.1), "p50": q.median(), "p90": q.quantile(0.9)}),
            format!("median order subtotal {:.2}", q.median()),
        );
    }
    let Some(discounted) = num(&r["discounted"]) else { return Ok(()) };
    // Orders alone: their discount is all there is.
    let mut d = Discounts {
        share: discounted / n,
        rate: depth(&r["rate"]).unwrap_or_else(|| Discounts::default().rate),
        lines: None,
        order_counts_lines: true,
    };
    let mut lines_figures = json!(null);
    if let Some(split) = split {
        d.lines = split.lines.clone();
        d.order_counts_lines = split.order_counts_lines;
        if split.orders >= MIN_ROWS {
            d.share = split.order_share;
            d.rate = split.order_rate.clone().unwrap_or(d.rate);
        }
        lines_figures = json!({
            "line_share": split.lines.as_ref().map(|(s, _)| *s),
            "line_median_rate": split.lines.as_ref().map(|(_, r)| r.median()),
            "order_counts_lines": split.order_counts_lines,
        });
    }
    let on_orders = if d.share > 0.0 {
        format!("{:.0}% of orders discounted, median {:.0}% off", d.share * 100.0, d.rate.median() * 100.0)
    } else {
        "none on orders".to_string()
    };
    let summary = match &d.lines {
        Some((share, rate)) => format!(
            "{:.0}% of lines discounted, median {:.0}% off; {on_orders}{}",
            share * 100.0,
            rate.median() * 100.0,
            if d.order_counts_lines { "" } else { " (orders' discount column leaves out their lines')" }
        ),
        None => on_orders,
    };
    out.measured(NAME, "discounts", n as u64, json!({"share": d.share, "median_rate": d.rate.median(), "lines": lines_figures}), summary);
    inputs.discounts = d;
    Ok(())
}

/// Where discount depths are read.
const RATE_POINTS: [f64; 7] = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

/// Discount depths (shares of a value) from quantiles at `RATE_POINTS`;
/// discounts all of one size keep that size.
fn depth(v: &Json) -> Option<Percentiles> {
    let q = quantiles(&RATE_POINTS, v)?;
    Percentiles::new(RATE_POINTS.iter().map(|p| (*p, q.quantile(*p).clamp(0.0, 0.95))).collect(), 0.0)
}

/// How a workspace's discounts split between lines and orders.
struct Split {
    /// Lines' own discounts: share of lines, depth.
    lines: Option<(f64, Percentiles)>,
    order_counts_lines: bool,
    /// Orders read whole, and the order-level part of their discounts.
    orders: f64,
    order_share: f64,
    order_rate: Option<Percentiles>,
}

/// Lines' own discounts (a page sample of lines) and, order by order, what
/// the order's column says against its lines' (a hash subset of orders,
/// their lines gathered by aggregation, not a join). None where lines carry
/// no discount column.
fn line_discounts(p: &Probe, query: &mut Query) -> Result<Option<Split>> {
    let (sql, ot, it) = (&p.sql, p.tables.orders, p.tables.items);
    let (Some(ld), Some(qty), Some(price), Some(_), Some(_)) = (
        sql.col(it, p.f.item_discount),
        sql.col(it, p.f.item_quantity),
        sql.col(it, p.f.item_price),
        sql.col(it, p.f.item_order),
        sql.col(ot, p.f.order_discount),
    ) else {
        return Ok(None);
    };
    let rates = percentile_array(&RATE_POINTS);
    let value = format!("(i.{qty} * i.{price})::float8");
    let own = format!("abs(coalesce(i.{ld}, 0))::float8");
    let q = format!(
        "select count(*) as n, count(*) filter (where {own} > 0.005) as discounted, \
         percentile_cont({rates}) within group (order by {own} / {value}) filter (where {own} > 0.005 and {value} > 0) as rate from {} where {}",
        sql.sampled_of(it, "i", SECONDARY_SAMPLE),
        sql.real(it, "i"),
    );
    let answer = query(&q)?;
    let r = the_row(&answer);
    let (n, discounted) = (num(&r["n"]).unwrap_or(0.0), num(&r["discounted"]).unwrap_or(0.0));
    let lines = (n >= MIN_ROWS && discounted >= MIN_ROWS).then(|| depth(&r["rate"]).map(|d| (discounted / n, d))).flatten();
    let Some(baskets) = basket_sql(p) else { return Ok(None) };
    let answer = query(&baskets)?;
    let r = the_row(&answer);
    let g = |k: &str| num(&r[k]).unwrap_or(0.0);
    let order_counts_lines = g("leaves_lines") <= g("counts_lines");
    let (extra, rate) = if order_counts_lines { ("extra_in", "rate_in") } else { ("extra_out", "rate_out") };
    let orders = g("orders");
    Ok(Some(Split {
        lines,
        order_counts_lines,
        orders,
        order_share: if orders > 0.0 { g(extra) / orders } else { 0.0 },
        order_rate: depth(&r[rate]),
    }))
}

/// The platform's statuses weighted as the workspace uses them. Statuses
/// the platform does not know are reported and left out.
fn status_mix(p: &Probe, statuses: &[OrderStatus], inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, t) = (&p.sql, p.tables.orders);
    let cols: Vec<String> = p.f.order_statuses.iter().map(|f| sql.opt(t, f, "o")).collect();
    if cols.iter().all(|c| c == "null") {
        return Ok(());
    }
    let select: Vec<String> = cols.iter().enumerate().map(|(i, c)| format!("coalesce({c}::text, '') as s{i}")).collect();
    let group: Vec<String> = (1..=cols.len()).map(|i| i.to_string()).collect();
    let q = format!(
        "select {}, count(*) as n from {} where {} group by {} order by {} desc limit 100",
        select.join(", "),
        sql.sampled(t, "o"),
        sql.real(t, "o"),
        group.join(", "),
        cols.len() + 1
    );
    let answer = query(&q)?;
    let mut weights = vec![0.0; statuses.len()];
    let (mut seen, mut unknown) = (0.0, Vec::new());
    let mut mix = serde_json::Map::new();
    for r in rows(&answer) {
        let labels: Vec<String> = (0..cols.len()).map(|i| r[format!("s{i}")].as_str().unwrap_or("").to_string()).collect();
        let n = num(&r["n"]).unwrap_or(0.0);
        seen += n;
        mix.insert(labels.join("/"), json!(n));
        let matches = |s: &OrderStatus| {
            labels.iter().enumerate().all(|(i, l)| cols[i] == "null" || s.labels.get(i).is_some_and(|x| x.eq_ignore_ascii_case(l)))
        };
        match statuses.iter().position(matches) {
            Some(i) => weights[i] += n,
            None => unknown.push(labels.join("/")),
        }
    }
    let known: f64 = weights.iter().sum();
    if known >= MIN_ROWS {
        out.measured(
            NAME,
            "status mix",
            seen as u64,
            Json::Object(mix),
            format!("{} statuses in use", weights.iter().filter(|w| **w > 0.0).count()),
        );
        inputs.status_weights = Some(weights);
    } else {
        out.defaults(NAME, "status mix", json!({}), "the platform's usual mix".into());
    }
    if !unknown.is_empty() {
        out.warn(format!("order statuses {} are not among the platform's; generated orders use its known ones", unknown.join(", ")));
    }
    Ok(())
}

/// Product types and vendors, weighted by how many products each has.
fn catalogue_mix(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, t) = (&p.sql, p.tables.products);
    for (field, aspect) in [(p.f.product_type, "product type mix"), (p.f.product_vendor, "vendor mix")] {
        let Some(col) = sql.col(t, field) else { continue };
        let q = format!(
            "select x.{col}::text as v, count(*) as n from {} where {} and x.{col} is not null and x.{col}::text <> '' group by 1 order by 2 desc limit {MIX_LIMIT}",
            sql.sampled(t, "x"),
            sql.real(t, "x"),
        );
        let mix: Vec<(String, f64)> = rows(&query(&q)?).iter().filter_map(|r| Some((text(&r["v"])?, num(&r["n"])?))).collect();
        let seen: f64 = mix.iter().map(|(_, n)| n).sum();
        if mix.is_empty() {
            continue;
        }
        let top: Vec<Json> = mix.iter().take(10).map(|(v, n)| json!([v, n])).collect();
        out.measured(
            NAME,
            aspect,
            seen as u64,
            json!({"distinct": mix.len(), "top": top}),
            format!("{} in use, most {}", mix.len(), mix[0].0),
        );
        if aspect == "vendor mix" {
            inputs.vendor_mix = mix;
        } else {
            inputs.type_mix = mix;
        }
    }
    Ok(())
}
