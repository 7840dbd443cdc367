//! Association: what goes with what. Product popularity (order lines per
//! product, one GROUP BY), the orders-per-customer histogram and the share of
//! new customers among those who buy, gaps between a customer's orders, and
//! customer-to-product-type affinity (what returning customers buy again).

use std::collections::HashMap;

use serde_json::json;

use crate::core::money::to_cents;
use crate::core::stats::{Discrete, Percentiles};
use crate::error::Result;
use crate::platforms::Query;
use crate::platforms::findings::Analysis;
use crate::platforms::store::analysis::{Probe, SAMPLE_ROWS, instant, key, num, percentile_array, rows, text};
use crate::platforms::store::inputs::{ExistingCustomer, ExistingProduct, ExistingVariant, Repeat, StoreInputs};

const NAME: &str = "association";
/// Products read with their variants: the best sellers, most of the lines,
/// and an even sample of the others.
const TOP_PRODUCTS: u32 = 4000;
const TAIL_PRODUCTS: u32 = 2000;
/// Existing customers who may buy again in a run.
const CUSTOMER_SAMPLE: u32 = 2000;
/// Orders read (whole customers' worth) for the customer figures: each
/// brings its lines along for affinity, so fewer than a plain sample.
const CUSTOMER_ORDERS: u64 = 20_000;
/// Orders per customer beyond this count as this.
const ORDERS_CAP: u32 = 1000;
/// The recent part of the history in which new customers are counted.
const RECENT_SHARE: f64 = 0.25;
/// Where the gaps between a customer's orders are read: p5, p10, ..., p95.
const GAP_POINTS: [f64; 19] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

pub fn analyse(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    popularity(p, inputs, out, query)?;
    customers(p, inputs, out, query)
}

/// The best-selling products with their variants, plus an even sample of
/// the rest (the long tail sells too, at its own prices), each weighted by
/// its order lines; the tail sample stands for the whole tail.
fn popularity(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, pt, vt, it) = (&p.sql, p.tables.products, p.tables.variants, p.tables.items);
    let (Some(pkey), Some(title)) = (sql.key(pt), sql.col(pt, p.f.product_title)) else { return Ok(()) };
    // Lines per product, and the mean unit price they sold at: what a line
    // of that product costs, whatever its variants list now.
    let sold = sql.col(it, p.f.item_price).map_or("null::float8".to_string(), |c| format!("avg(i.{c})::float8"));
    let lines = match sql.col(it, p.f.item_product) {
        Some(ip) => format!(
            "select i.{ip} as k, count(*) as n, {sold} as sold from {} where {} group by 1",
            sql.sampled(it, "i"),
            sql.real(it, "i")
        ),
        // No order lines to count: every product weighs the same.
        None => format!("select x.{pkey} as k, 1 as n, null::float8 as sold from {} where {}", sql.from(pt), sql.real(pt, "x")),
    };
    // The totals computed once (`materialized`: inlined, a plan that thinks
    // the picked products are one row may recompute them for each). Products
    // and their variants joined by aggregation (a union of the
    // picked keys, the products and the variants, grouped by product), not
    // by a join: a plan that cannot go quadratic when the planner has no
    // statistics for the workspace (the variants' product column may have no
    // index at all).
    let variants = match (sql.col(vt, p.f.variant_product), sql.col(vt, p.f.variant_price), sql.key(vt)) {
        (Some(vp), Some(price), Some(vkey)) => format!(
            " union all select v.{vp}, null::bigint, null::boolean, null::float8, null::text, null::text, null::text, null::text, null::float8, json_build_object('key', v.{vkey}, 'title', {}, 'sku', {}, 'price', v.{price}) from {} v where {} and v.{price} > 0",
            sql.opt(vt, p.f.variant_title, "v"),
            sql.opt(vt, p.f.variant_sku, "v"),
            sql.from(vt),
            sql.real(vt, "v"),
        ),
        _ => String::new(),
    };
    let q = format!(
        "with pop as ({lines}), ranked as (select k, n, sold, row_number() over (order by n desc, k) as r from pop), \
         tot as materialized (select sum(n) as total, sum(n) filter (where r <= {TOP_PRODUCTS}) as top from ranked), \
         pick as ((select k, n, sold, false as tail from ranked where r <= {TOP_PRODUCTS}) union all (select k, n, sold, true from ranked where r > {TOP_PRODUCTS} order by md5(k::text) limit {TAIL_PRODUCTS})), \
         u (k, n, tail, sold, title, product_type, vendor, created, price, v) as (\
           select k, n, tail, sold, null::text, null::text, null::text, null::text, null::float8, null::json from pick \
           union all select x.{pkey}, null, null, null, x.{title}::text, {ptype}::text, {vendor}::text, {created}::text, {price}::float8, null from {} x where {}{variants}), \
         g as (select k, max(n) as lines, bool_or(tail) as tail, max(sold) as sold, max(title) as title, max(product_type) as product_type, max(vendor) as vendor, max(created) as created, max(price) as price, json_agg(v) filter (where v is not null) as variants \
           from u group by k having count(n) > 0 and count(title) > 0) \
         select g.k as key, g.title, g.product_type, g.vendor, g.created, g.price, g.lines, g.tail, g.sold, g.variants, tot.total, tot.top from g, tot order by g.lines desc, g.k",
        sql.from(pt),
        sql.real(pt, "x"),
        ptype = sql.opt(pt, p.f.product_type, "x"),
        vendor = sql.opt(pt, p.f.product_vendor, "x"),
        created = sql.opt(pt, p.f.product_created, "x"),
        price = sql.opt(pt, p.f.product_price, "x"),
    );
    let answer = query(&q)?;
    let first_row = rows(&answer).first();
    let total = first_row.and_then(|r| num(&r["total"])).unwrap_or(0.0);
    let top = first_row.and_then(|r| num(&r["top"])).unwrap_or(0.0);
    let sampled_tail: f64 = rows(&answer).iter().filter(|r| r["tail"] == true).filter_map(|r| num(&r["lines"])).sum();
    // Each tail product read stands for its share of the whole tail.
    let scale = if sampled_tail > 0.0 { (total - top) / sampled_tail } else { 0.0 };
    inputs.existing_products = rows(&answer)
        .iter()
        .filter_map(|r| {
            let mut product = existing_product(r)?;
            if r["tail"] == true {
                product.order_lines = (product.order_lines as f64 * scale).round().max(1.0) as u64;
            }
            Some(product)
        })
        .collect();
    if inputs.existing_products.is_empty() || total <= 0.0 {
        out.defaults(NAME, "product popularity", json!({}), "new products, a few best sellers and a long tail".into());
        return Ok(());
    }
    let products_read = inputs.existing_products.len();
    let top_share = inputs.existing_products.iter().take(10).map(|p| p.order_lines as f64).sum::<f64>() / total;
    out.measured(
        NAME,
        "product popularity",
        total as u64,
        json!({"products_read": products_read, "best_sellers_share": top / total, "top10_share": top_share}),
        format!(
            "{products_read} products read, best sellers {:.0}% of lines, the rest sampled; top 10 sell {:.0}%",
            top / total * 100.0,
            top_share * 100.0
        ),
    );
    Ok(())
}

fn existing_product(r: &serde_json::Value) -> Option<ExistingProduct> {
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
    // Its lines sold at another level than its variants list (prices
    // changed, lines record what was paid): the lines' level, the variants'
    // steps between each other kept.
    if let Some(sold) = num(&r["sold"]).filter(|s| *s > 0.0) {
        let listed = variants.iter().map(|v| v.price as f64).sum::<f64>() / variants.len() as f64 / 100.0;
        let factor = sold / listed;
        if listed > 0.0 && (factor - 1.0).abs() > 0.02 {
            for v in &mut variants {
                v.price = to_cents(v.price as f64 / 100.0 * factor).max(1);
            }
        }
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
}

/// Orders per customer, new customers among recent buyers, gaps between
/// orders, the best customers (who may buy again) and what they buy most, in
/// one query: a hash subset of customers keeps each one's orders whole.
fn customers(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, ot, ct, it, pt) = (&p.sql, p.tables.orders, p.tables.customers, p.tables.items, p.tables.products);
    let (Some(cust), Some(created), Some(okey)) = (sql.col(ot, p.f.order_customer), sql.col(ot, p.f.order_created), sql.key(ot)) else {
        return Ok(());
    };
    let cutoff = match p.span {
        Some((a, b)) => format!("to_timestamp({})", b - ((b - a) as f64 * RECENT_SHARE) as i64),
        None => "now()".into(),
    };
    // The customers read, with their names; and what the subset's customers
    // buy, by product type (affinity), where the tables tell.
    // Every join is a lookup by key (the customers sampled, through the
    // primary key) or done by aggregation (lines to their order's customer,
    // then to their product's type, through windows over unions): plans that
    // stay linear when the planner has no statistics for the workspace.
    let pick = match (sql.key(ct), sql.col(ct, p.f.customer_created)) {
        (Some(ckey), Some(ccreated)) => Some(format!(
            "select 'customer' as kind, pick.k as key, x.created::text as created, x.email::text as email, x.first::text as first, x.last::text as last, pick.n as n, null::bigint as c, null::json as j \
             from pick cross join lateral (select x.{ccreated} as created, {} as email, {} as first, {} as last from {} x where {} and x.{ckey} = pick.k limit 1) x",
            sql.opt(ct, p.f.customer_email, "x"),
            sql.opt(ct, p.f.customer_first_name, "x"),
            sql.opt(ct, p.f.customer_last_name, "x"),
            sql.from(ct),
            sql.real(ct, "x"),
        )),
        _ => None,
    };
    let lines = match (sql.col(it, p.f.item_order), sql.col(it, p.f.item_product), sql.key(pt), sql.col(pt, p.f.product_type)) {
        (Some(io), Some(ip), Some(pkey), Some(ptype)) if p.real_orders >= 20 => Some(format!(
            // A large store's lines are sampled by page: fewer lines per
            // customer, but no full scan of the largest table.
            ", lo as (select o2.oid as ok, o2.k as c, null as p from o2 union all select i.{io}, null, i.{ip} from {} where {}), \
             lc as (select p, first_value(c) over (partition by ok order by c nulls last) as c from lo), \
             lp as (select p as pk, c, null::text as ty from lc where p is not null and c is not null \
                    union all select x.{pkey}, null, x.{ptype}::text from {} x where {} and x.{ptype} is not null), \
             l as (select c, ty, count(*) as n from (select c, first_value(ty) over (partition by pk order by ty nulls last) as ty from lp) z \
                   where c is not null and ty is not null group by 1, 2), \
             r as (select c, sum(n) as total, max(n) as top from l group by 1 having sum(n) >= 2)",
            sql.sampled_of(it, "i", SAMPLE_ROWS / 2),
            sql.real(it, "i"),
            sql.from(pt),
            sql.workspace(pt, "x"),
        )),
        _ => None,
    };
    let gap_points = percentile_array(&GAP_POINTS);
    let mut branches = vec![
        format!(
            "select 'orders' as kind, null as key, null as created, null as email, null as first, null as last, least(n, {ORDERS_CAP}) as n, count(*) as c, null::json as j from c group by 7"
        ),
        format!(
            "select 'recent', null, null, null, null, null, count(*) filter (where first >= {cutoff}), count(*) filter (where last >= {cutoff}), null from c"
        ),
        format!(
            "select 'gaps', null, null, null, null, null, count(*), null, to_json(percentile_cont({gap_points}) within group (order by gap)) from g where gap is not null"
        ),
    ];
    if let Some(pick) = &pick {
        branches.insert(0, pick.clone());
    }
    if lines.is_some() {
        branches.push("select 'rate', null, null, null, null, null, sum(total)::bigint, null, to_json(sum(top)::float8 / nullif(sum(total), 0)) from r".into());
        if pick.is_some() {
            // Each sampled customer's favourite type: picked customers and
            // their lines' types grouped together, not joined.
            branches.push(
                "select 'fav', f.c, null, null, null, null, null, null, to_json(f.ty) from (select c, (array_agg(ty order by n desc, ty) filter (where ty is not null))[1] as ty \
                 from (select k as c, null::text as ty, null::bigint as n, true as picked from pick union all select c, ty, n, false from l) z group by c having bool_or(picked) and count(ty) > 0) f"
                    .into(),
            );
        }
    }
    let q = format!(
        "with o2 as (select o.{cust} as k, o.{created} as t, o.{okey} as oid from {} o where {} and o.{cust} is not null and {}), \
         c as (select k, count(*) as n, min(t) as first, max(t) as last from o2 group by 1), \
         pick as (select k, n from c order by n desc, k limit {CUSTOMER_SAMPLE}), \
         g as (select extract(epoch from (t - lag(t) over (partition by k order by t))) / 86400 as gap from o2){} \
         select * from ({}) u",
        sql.from(ot),
        sql.real(ot, "o"),
        sql.subset_of(ot, &format!("o.{cust}"), CUSTOMER_ORDERS),
        lines.unwrap_or_default(),
        branches.join(" union all "),
    );
    let answer = query(&q)?;
    let mut hist = Vec::new();
    let (mut new_recent, mut active_recent) = (0.0, 0.0);
    let (mut sample, mut favourites) = (Vec::new(), HashMap::new());
    let (mut rate, mut rate_lines) = (None, 0.0);
    let mut gap_days = None;
    for r in rows(&answer) {
        match r["kind"].as_str() {
            Some("orders") => hist.push((num(&r["n"]).unwrap_or(0.0) as u32, num(&r["c"]).unwrap_or(0.0))),
            Some("recent") => (new_recent, active_recent) = (num(&r["n"]).unwrap_or(0.0), num(&r["c"]).unwrap_or(0.0)),
            Some("gaps") => gap_days = gaps(out, num(&r["n"]).unwrap_or(0.0), &r["j"]),
            Some("rate") => (rate, rate_lines) = (num(&r["j"]), num(&r["n"]).unwrap_or(0.0)),
            Some("fav") => {
                if let (Some(k), Some(t)) = (key(&r["key"]), text(&r["j"])) {
                    favourites.insert(k, t);
                }
            }
            Some("customer") => {
                if let Some(k) = key(&r["key"]) {
                    sample.push(ExistingCustomer {
                        key: k,
                        created_at: instant(&r["created"]),
                        email: text(&r["email"]),
                        first_name: text(&r["first"]),
                        last_name: text(&r["last"]),
                        orders: num(&r["n"]).unwrap_or(0.0) as u64,
                        favourite_type: None,
                    })
                }
            }
            _ => {}
        }
    }
    for c in &mut sample {
        c.favourite_type = favourites.get(&c.key).cloned();
    }
    inputs.existing_customers = sample;
    let histogram = Discrete::new(hist.into_iter().filter(|(k, _)| *k > 0));
    match histogram.filter(|h| h.total() >= 10.0) {
        Some(h) => {
            let new_share = if active_recent > 0.0 { new_recent / active_recent } else { 1.0 };
            let returning_orders: f64 = h.shares().filter(|(k, _)| *k > 1).map(|(k, s)| f64::from(k) * s).sum::<f64>() / h.mean();
            out.measured(
                NAME,
                "orders per customer",
                h.total() as u64,
                json!({"mean": h.mean(), "histogram": h.shares().take(50).map(|(k, s)| json!([k, s])).collect::<Vec<_>>(), "returning_order_share": returning_orders, "new_customer_share": new_share, "customers_read": inputs.existing_customers.len()}),
                format!(
                    "{:.1} orders per customer, {:.0}% of orders from returning customers, {:.0}% of recent buyers new",
                    h.mean(),
                    returning_orders * 100.0,
                    new_share * 100.0
                ),
            );
            inputs.repeat = Repeat { orders_per_customer: h, new_customers: new_share, gaps: gap_days };
        }
        None => {
            if !inputs.existing_customers.is_empty() {
                inputs.repeat.new_customers = 0.75;
            }
            out.defaults(
                NAME,
                "orders per customer",
                json!({"mean": inputs.repeat.orders_per_customer.mean()}),
                "70% of customers buy once".into(),
            );
        }
    }
    if let Some(rate) = rate.filter(|_| rate_lines >= 20.0) {
        inputs.affinity = Some(rate);
        out.measured(
            NAME,
            "type affinity",
            rate_lines as u64,
            json!({"favourite_type_share": rate, "customers_with_favourite": favourites.len()}),
            format!("returning customers buy {:.0}% of their lines in their favourite type", rate * 100.0),
        );
    }
    Ok(())
}

/// Days between a customer's consecutive orders: reported, and followed by
/// returning customers' next orders (`customers::CustomerBook`).
fn gaps(out: &mut Analysis, n: f64, quantiles: &serde_json::Value) -> Option<Percentiles> {
    let ps: Vec<f64> = rows(quantiles).iter().filter_map(num).collect();
    if n < 10.0 || ps.len() != GAP_POINTS.len() {
        return None;
    }
    let at = |p: f64| ps[GAP_POINTS.iter().position(|x| (*x - p).abs() < 1e-9).expect("a gap point")];
    out.measured(
        NAME,
        "gaps between orders",
        n as u64,
        json!({"p10_days": at(0.1), "p25_days": at(0.25), "p50_days": at(0.5), "p75_days": at(0.75), "p90_days": at(0.9)}),
        format!("a returning customer's next order comes after {:.0} days (median); new orders follow these gaps", at(0.5)),
    );
    // Whole minutes at least: two orders of one customer are never at once.
    Percentiles::new(GAP_POINTS.iter().copied().zip(ps.iter().map(|d| d.max(1.0 / 1440.0))).collect(), 0.0)
}
