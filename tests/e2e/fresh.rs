//! Smart mode on a store it has never seen (issue 17): a workspace with no
//! shop row whose orders were placed in another time zone, discounts kept on
//! lines only, runs that must not compound, and a large tenant the planner
//! has no statistics for.

use crate::harness::{AS_OF, Workspace};

/// A store without a shop row: `orders` orders over a year before AS_OF,
/// each at 10:00-14:00 Los Angeles time (daylight saving included), 1 to 4
/// lines of 20 products; four lines in ten 20% off, recorded on the lines
/// only (the orders' discount column stays 0, as some imports leave it).
fn load_fresh(ws: &mut Workspace, orders: i64) {
    let id = ws.id.clone();
    ws.execute(&format!(
        "insert into semantic.dm_products_shopify (tenant_id, product_id, title, product_type, vendor, status, created_at)
           select '{id}', 'P' || g, 'Item ' || g, 'Type ' || (g % 4), 'Vendor', 'active', timestamptz '{AS_OF}' - interval '900 days' from generate_series(1, 20) g;
         insert into semantic.dm_variants_shopify (tenant_id, variant_id, product_id, title, price, created_at)
           select '{id}', 'V' || g, 'P' || g, 'Default Title', 2 + g, timestamptz '{AS_OF}' - interval '900 days' from generate_series(1, 20) g;
         insert into semantic.dm_customers_shopify (tenant_id, customer_id, email, created_at)
           select '{id}', 'C' || g, 'c' || g || '@example.org', timestamptz '{AS_OF}' - interval '800 days' from generate_series(1, 80) g;
         insert into semantic.dm_orders_shopify (tenant_id, order_id, order_number, customer_id, created_at, subtotal_price, total_price, total_tax, total_discounts, currency, financial_status, fulfillment_status)
           select '{id}', '{id}-O' || g, 1000 + g, 'C' || (1 + g % 80),
                  ((date '{AS_OF}' - (365 * g / {orders})) + time '10:00' + ((g * 37) % 240) * interval '1 minute') at time zone 'America/Los_Angeles',
                  0, 0, 0, 0, 'USD', 'paid', 'fulfilled'
           from generate_series(1, {orders}) g;
         insert into semantic.dm_order_items_shopify (tenant_id, line_item_id, order_id, product_id, variant_id, quantity, price, total_discount, created_at)
           select '{id}', 'L' || g || '-' || j, '{id}-O' || g, 'P' || (1 + (g * 7 + j * 3) % 20), 'V' || (1 + (g * 7 + j * 3) % 20), 1,
                  2 + (1 + (g * 7 + j * 3) % 20), case when (g + j) % 2 = 0 then round((2 + (1 + (g * 7 + j * 3) % 20)) * 0.2, 2) else 0 end, timestamptz '{AS_OF}'
           from generate_series(1, {orders}) g, generate_series(1, 1 + g % 4) j;
         update semantic.dm_orders_shopify o set subtotal_price = s.sub, total_price = s.sub
           from (select order_id, sum(quantity * price - total_discount) as sub from semantic.dm_order_items_shopify where tenant_id = '{id}' group by 1) s
           where o.tenant_id = '{id}' and o.order_id = s.order_id;"
    ));
}

/// No shop row: analysis finds the zone the orders were placed in, reads
/// and generates them there, and the shop the run writes says which. Lines
/// discounted on their own get discounts on their own; orders whose
/// discount column stays empty keep it empty; totals add up.
#[test]
fn a_store_without_a_shop_row_is_read_and_generated_in_one_zone_with_its_line_discounts() {
    let mut ws = Workspace::new("fresh");
    load_fresh(&mut ws, 400);
    ws.analyze();
    let r = ws.hr(&["generate", "shopify", "--count", "200", "--seed", "41", "--as-of", AS_OF, "--json"]).ok().json();
    assert_eq!(r["success"], true, "{r}");
    let zone: String = ws.scalar("select iana_timezone from semantic.dm_shop_info_shopify where tenant_id = $1 and shop_id like 'mock-%'");
    let findings = r["analysis"][0]["findings"].to_string();
    assert!(findings.contains("read and generated there") && findings.contains(&zone), "{findings}");
    // The real orders' hours, read in that zone, are the generated ones'.
    // The middle 90% of each side's hours, read in that zone.
    let hours = |generated: bool| -> (f64, f64) {
        let mut ws = Workspace::attach(&ws.id);
        let v: Vec<f64> = ws.scalar(&format!(
            "select array[min(h), max(h)] from (select extract(hour from created_at at time zone '{zone}')::float8 as h,
               row_number() over (order by extract(hour from created_at at time zone '{zone}')) as k, count(*) over () as n
             from semantic.dm_orders_shopify where tenant_id = $1 and order_id {} like 'mock-%') x where k > n / 20 and k <= n - n / 20",
            if generated { "" } else { "not" }
        ));
        (v[0], v[1])
    };
    let (real, generated) = (hours(false), hours(true));
    assert!(generated.0 >= real.0 - 1.0 && generated.1 <= real.1 + 1.0, "90% of hours: real {real:?}, generated {generated:?} ({zone})");
    assert!(real.1 - real.0 <= 5.0, "the store's four hours stay four hours in one zone: {real:?}");

    // Four lines in ten 20% off, as the store's.
    let share: f64 = ws.scalar(
        "select avg((total_discount > 0)::int)::float8 from semantic.dm_order_items_shopify where tenant_id = $1 and line_item_id like 'mock-%'",
    );
    let depth: f64 = ws.scalar(
        "select avg(total_discount / (quantity * price))::float8 from semantic.dm_order_items_shopify where tenant_id = $1 and line_item_id like 'mock-%' and total_discount > 0",
    );
    assert!((0.32..=0.48).contains(&share) && (depth - 0.2).abs() < 0.03, "lines discounted {share}, by {depth}");
    let (recorded, bad): (f64, i64) = (
        ws.scalar("select coalesce(sum(total_discounts), 0)::float8 from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'mock-%'"),
        ws.scalar(
            "select count(*) from semantic.dm_orders_shopify o join (select order_id, sum(quantity * price - total_discount) as s from semantic.dm_order_items_shopify
               where tenant_id = $1 and line_item_id like 'mock-%' group by 1) i on i.order_id = o.order_id where o.tenant_id = $1 and abs(o.subtotal_price - i.s) > 0.005",
        ),
    );
    assert_eq!((recorded, bad), (0.0, 0), "the orders' discount column stays as the store keeps it; subtotals add up");
}

/// Smart sizes a run from the workspace's own orders: an earlier run's do
/// not count, so two runs in a row target the same number, and both say by
/// which rule.
#[test]
fn smart_runs_do_not_compound_and_say_their_rule() {
    let mut ws = Workspace::new("twice");
    load_fresh(&mut ws, 300);
    let first = ws.hr(&["generate", "shopify", "--seed", "42", "--as-of", AS_OF, "--json"]).ok().json();
    let second = ws.hr(&["generate", "shopify", "--seed", "43", "--as-of", AS_OF, "--dry-run", "--json"]).ok().json();
    let rule = |r: &serde_json::Value| {
        let f = r["analysis"][0]["findings"].as_array().unwrap().iter().find(|f| f["aspect"] == "run size").cloned().unwrap();
        (f["summary"].as_str().unwrap().to_string(), f["figures"]["orders"].as_u64().unwrap())
    };
    assert_eq!(rule(&first), ("300 real orders (over 200): +20% = 60".to_string(), 60));
    assert_eq!(rule(&second), rule(&first), "the first run's 60 orders are not the workspace's");
    assert_eq!(ws.count("dm_orders_shopify", "order_id like 'mock-%'"), 60);
    let text = ws.hr(&["generate", "shopify", "--seed", "44", "--as-of", AS_OF, "--dry-run"]);
    assert!(text.ok().output().contains("300 real orders (over 200): +20% = 60"), "{}", text.output());
}

/// A large tenant right after its import, before anything analysed it: the
/// planner has no statistics for it (autovacuum is off while the test
/// runs). Every analysis and report query still answers within its limit
/// (20 s each; quadratic plans took minutes): no warnings, every aspect
/// measured. How fast is `benches/analysis-scale`'s to say.
#[test]
fn a_tenant_without_planner_statistics_is_analysed_and_reported_in_full() {
    let mut ws = Workspace::exclusive("stale");
    const TABLES: [&str; 5] =
        ["dm_order_items_shopify", "dm_orders_shopify", "dm_customers_shopify", "dm_variants_shopify", "dm_products_shopify"];
    for t in TABLES {
        ws.execute(&format!("alter table semantic.{t} set (autovacuum_enabled = false)"));
    }
    let id = ws.id.clone();
    ws.execute(&format!(
        "insert into semantic.dm_products_shopify (tenant_id, product_id, title, product_type, status, created_at)
           select '{id}', '{id}-p' || g, 'Product ' || g, 'Type ' || (g % 20), 'active', timestamptz '{AS_OF}' - interval '800 days' from generate_series(1, 10000) g;
         insert into semantic.dm_variants_shopify (tenant_id, variant_id, product_id, title, price, created_at)
           select '{id}', '{id}-v' || g, '{id}-p' || g, 'Default', 5 + (g * 37) % 200, timestamptz '{AS_OF}' - interval '800 days' from generate_series(1, 10000) g;
         insert into semantic.dm_customers_shopify (tenant_id, customer_id, email, created_at)
           select '{id}', '{id}-c' || g, 'c' || g || '@example.com', timestamptz '{AS_OF}' - interval '900 days' from generate_series(1, 30000) g;
         insert into semantic.dm_orders_shopify (tenant_id, order_id, order_number, customer_id, created_at, subtotal_price, total_price, total_tax, currency, financial_status)
           select '{id}', '{id}-o' || g, 1000 + g, '{id}-c' || (1 + (g::bigint * 7919) % 30000), timestamptz '{AS_OF}' - make_interval(secs => (g::bigint * 7907) % 60480000),
                  50, 50, 0, 'USD', 'paid' from generate_series(1, 100000) g;
         insert into semantic.dm_order_items_shopify (tenant_id, line_item_id, order_id, product_id, variant_id, quantity, price, total_discount, created_at)
           select '{id}', '{id}-l' || g, '{id}-o' || (1 + (g - 1) / 2), '{id}-p' || (1 + (g::bigint * 31) % 10000), '{id}-v' || (1 + (g::bigint * 31) % 10000), 1, 25, 0, timestamptz '{AS_OF}'
           from generate_series(1, 200000) g;"
    ));
    let dry = ws.hr(&["generate", "shopify", "--count", "100", "--seed", "45", "--as-of", AS_OF, "--json", "--dry-run"]).json();
    let run = ws.hr(&["generate", "shopify", "--count", "100", "--seed", "46", "--as-of", AS_OF, "--json"]).json();
    let report = ws.hr(&["report", "shopify", "--run", run["run_id"].as_str().unwrap_or("0"), "--json"]).json();
    for t in TABLES {
        ws.execute(&format!("alter table semantic.{t} reset (autovacuum_enabled)"));
    }
    assert_eq!((dry["success"].clone(), run["success"].clone()), (true.into(), true.into()), "{dry}\n{run}");
    assert_eq!(dry["warnings"], serde_json::json!([]), "no query failed or timed out: {}", dry["warnings"]);
    let findings = dry["analysis"][0]["findings"].as_array().unwrap();
    for aspect in ["product popularity", "orders per customer", "unit price by type", "lines per order", "hour of week", "discounts"] {
        let f = findings.iter().find(|f| f["aspect"] == aspect).unwrap_or_else(|| panic!("no {aspect}: {findings:?}"));
        assert_eq!(f["source"], "workspace", "{f}");
    }
    assert_eq!(report["report"]["warnings"], serde_json::json!([]), "{report}");
    let aspects = report["report"]["platforms"][0]["aspects"].as_array().unwrap();
    // Every aspect measured: a score, or a pair whose columns are constant on
    // both sides of this store (two lines of one price each order), which is
    // no evidence either way; never a query that failed or timed out.
    assert!(
        aspects.iter().all(|a| a["score"].is_number() || a["note"].as_str().is_some_and(|n| n.contains("undefined on both sides"))),
        "every aspect measured: {report}"
    );
    assert!(aspects.iter().filter(|a| a["score"].is_number()).count() >= 10, "{report}");
}
