//! Scale: how big the workspace is, table by table, and the ratios that
//! size a run's other tables from its orders: customers, products and
//! variants per order, variants per product, events per order. The catalogue
//! grows as the workspace's did: new products per order from the products
//! launched during its order history.

use serde_json::json;

use crate::error::Result;
use crate::platforms::Query;
use crate::platforms::findings::Analysis;
use crate::platforms::store::analysis::{Probe, num, the_row};
use crate::platforms::store::inputs::{StoreInputs, default_new_products};

const NAME: &str = "scale";
/// New products one run adds at most: the catalogue is held in memory.
const MAX_NEW_PRODUCTS: f64 = 2000.0;

pub fn analyse(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, t) = (&p.sql, p.tables);
    // The workspace's own rows: generated ones are never learnt from.
    let count = |spec| sql.cx.real(spec) as f64;
    let orders = count(t.orders).max(1.0);
    let per_order = |n: f64| (n / orders * 1000.0).round() / 1000.0;
    let mut figures = json!({
        "orders": count(t.orders),
        "customers": count(t.customers),
        "products": count(t.products),
        "variants": count(t.variants),
        "order_items": count(t.items),
        "customers_per_order": per_order(count(t.customers)),
        "products_per_order": per_order(count(t.products)),
        "variants_per_order": per_order(count(t.variants)),
        "variants_per_product": (count(t.variants) / count(t.products).max(1.0) * 1000.0).round() / 1000.0,
    });
    if let Some(events) = t.events {
        figures["events"] = json!(count(events));
        figures["events_per_order"] = json!(per_order(count(events)));
    }
    let products = count(t.products);
    inputs.new_products = default_new_products(inputs.orders, products as usize);
    let mut summary = format!("{} orders, {} customers, {} products", count(t.orders), count(t.customers), products);

    // Catalogue growth: products created while the history's orders came in.
    if let (Some((a, b)), Some(created)) = (p.span, sql.col(t.products, p.f.product_created))
        && p.real_orders >= 20
        && products > 0.0
    {
        let q = format!(
            "select count(*) as n, count(*) filter (where x.{created} >= to_timestamp({a}) and x.{created} <= to_timestamp({b})) as launched from {} where {}",
            sql.sampled(t.products, "x"),
            sql.real(t.products, "x")
        );
        let answer = query(&q)?;
        let r = the_row(&answer);
        let (seen, launched) = (num(&r["n"]).unwrap_or(0.0), num(&r["launched"]).unwrap_or(0.0));
        if seen > 0.0 {
            // Sampled counts scale back to the table.
            let launched = launched / seen * products;
            let rate = launched / p.real_orders as f64;
            inputs.new_products = (rate * inputs.orders as f64).round().clamp(1.0, MAX_NEW_PRODUCTS) as u32;
            figures["launched_per_order"] = json!((rate * 10_000.0).round() / 10_000.0);
            summary.push_str(&format!("; {:.0} products launched during the history, so {} new ones", launched, inputs.new_products));
        }
    }
    figures["new_products"] = json!(inputs.new_products);
    if products > 0.0 {
        // A new product sells like an average one of the whole catalogue.
        let new = f64::from(inputs.new_products);
        inputs.new_product_share = Some(new / (products + new));
    }
    if orders > 1.0 {
        out.measured(NAME, "scale", count(t.orders) as u64, figures, summary);
    } else {
        out.defaults(NAME, "scale", figures, format!("empty workspace: {} new products", inputs.new_products));
    }
    Ok(())
}
