//! Shopify end to end: generate into the local warehouse, check the data
//! with SQL, report it, clean it, and leave every other row as it was.

use crate::harness::{AS_OF, Workspace};

const GENERATED_ORDER: &str = "t.order_id like 'mock-%'";

/// Order ids, line items, variants, customers and pixel events that point
/// at rows that do not exist.
pub fn orphans(ws: &mut Workspace) -> i64 {
    ws.scalar(
        "select
          (select count(*) from semantic.dm_order_items_shopify i where i.tenant_id = $1 and not exists (select 1 from semantic.dm_orders_shopify o where o.tenant_id = i.tenant_id and o.order_id = i.order_id))
        + (select count(*) from semantic.dm_order_items_shopify i where i.tenant_id = $1 and not exists (select 1 from semantic.dm_products_shopify p where p.tenant_id = i.tenant_id and p.product_id = i.product_id))
        + (select count(*) from semantic.dm_order_items_shopify i where i.tenant_id = $1 and i.variant_id is not null and not exists (select 1 from semantic.dm_variants_shopify v where v.tenant_id = i.tenant_id and v.variant_id = i.variant_id))
        + (select count(*) from semantic.dm_variants_shopify v where v.tenant_id = $1 and not exists (select 1 from semantic.dm_products_shopify p where p.tenant_id = v.tenant_id and p.product_id = v.product_id))
        + (select count(*) from semantic.dm_orders_shopify o where o.tenant_id = $1 and o.customer_id is not null and not exists (select 1 from semantic.dm_customers_shopify c where c.tenant_id = o.tenant_id and c.customer_id = o.customer_id))
        + (select count(*) from semantic.dm_shopify_pixel_events e where e.tenant_id = $1 and e.order_id is not null and not exists (select 1 from semantic.dm_orders_shopify o where o.tenant_id = e.tenant_id and o.order_id = e.order_id))
        + (select count(*) from semantic.dm_shopify_pixel_events e where e.tenant_id = $1 and e.product_id is not null and not exists (select 1 from semantic.dm_products_shopify p where p.tenant_id = e.tenant_id and p.product_id = e.product_id))",
    )
}

/// Orders whose subtotal differs from their lines by more than a cent, or
/// whose total is not subtotal + tax + shipping.
fn broken_sums(ws: &mut Workspace) -> i64 {
    ws.scalar(
        "select count(*) from semantic.dm_orders_shopify o
         join (select order_id, sum(quantity * price - total_discount) s from semantic.dm_order_items_shopify where tenant_id = $1 group by 1) i using (order_id)
         where o.tenant_id = $1 and (abs(o.subtotal_price - i.s) > 0.01 or abs(o.total_price - (o.subtotal_price + o.total_tax + coalesce(o.total_shipping, 0))) > 0.01)",
    )
}

#[test]
fn comprehensive_generation_holds_every_invariant_and_clean_restores_the_workspace() {
    let mut ws = Workspace::new("shopify");
    ws.load_demo_store();
    let before = ws.checksum();
    let demo_orders = ws.rows("dm_orders_shopify");

    let run = ws.hr(&["generate", "shopify", "comprehensive", "--seed", "7", "--json"]);
    let result = run.ok().json();
    assert_eq!(result["success"], true);
    let run_id = result["run_id"].as_str().unwrap().to_string();
    ws.analyze();

    // Counts: the result matches the warehouse, table by table.
    for t in result["platforms"][0]["tables"].as_array().unwrap() {
        let table = t["table"].as_str().unwrap().trim_start_matches("semantic.");
        let marker = match table {
            "dm_shop_info_shopify" => "shop_id",
            "dm_products_shopify" => "product_id",
            "dm_variants_shopify" => "variant_id",
            "dm_customers_shopify" => "customer_id",
            "dm_orders_shopify" => "order_id",
            "dm_order_items_shopify" => "line_item_id",
            _ => "event_id",
        };
        let filter =
            if marker == "event_id" { "event_id::text like '6d6f636b-6461-%'".to_string() } else { format!("{marker} like 'mock-%'") };
        assert_eq!(ws.count(table, &filter), t["inserted"].as_i64().unwrap(), "{table}");
    }
    assert_eq!(ws.count("dm_orders_shopify", GENERATED_ORDER), 500);
    assert_eq!(ws.count("dm_shop_info_shopify", "true"), 1, "the existing shop is reused, not doubled");

    assert_eq!(orphans(&mut ws), 0);
    assert_eq!(broken_sums(&mut ws), 0);

    // Funnel: the demo store has pixel events of its own (40% of sessions
    // buy: 1.5 browsing sessions per purchase); the new events follow its
    // page views, add-to-carts and sessions per purchase across the whole table.
    let ratios = |ws: &mut Workspace, events: &str| -> (f64, f64, f64) {
        let per = |ws: &mut Workspace, name: &str| -> f64 {
            ws.scalar(&format!("select (count(*) filter (where event_name = '{name}'))::float8 / count(*) filter (where event_name = 'purchase') from semantic.dm_shopify_pixel_events where tenant_id = $1 and {events}"))
        };
        let conversion: f64 = ws.scalar(&format!("select (count(distinct session_id) filter (where event_name = 'purchase'))::float8 / count(distinct session_id) from semantic.dm_shopify_pixel_events where tenant_id = $1 and {events}"));
        (per(ws, "page_view"), per(ws, "add_to_cart"), conversion)
    };
    let (pv, atc, conversion) = ratios(&mut ws, "event_id::text like '6d6f636b-6461-%'");
    let (own_pv, own_atc, own) = ratios(&mut ws, "session_id like 'demo-%'");
    assert!((0.35..=0.45).contains(&own), "the demo store's session conversion {own}");
    assert!((pv / own_pv - 1.0).abs() < 0.2, "page views per purchase {pv}, the store's {own_pv}");
    assert!((atc / own_atc - 1.0).abs() < 0.25, "carts per purchase {atc}, the store's {own_atc}");
    assert!((conversion - own).abs() < 0.05, "session conversion {conversion}, the store's {own}");

    // Time: customers exist before their first order; a session's events
    // come before its purchase, which is at the order's time.
    let early_orders: i64 = ws.scalar(
        "select count(*) from semantic.dm_orders_shopify o join semantic.dm_customers_shopify c using (tenant_id, customer_id)
         where o.tenant_id = $1 and c.customer_id like 'mock-%' and o.created_at < c.created_at",
    );
    assert_eq!(early_orders, 0);
    let late_events: i64 = ws.scalar(
        "select count(*) from semantic.dm_shopify_pixel_events e
         join semantic.dm_shopify_pixel_events p on p.tenant_id = e.tenant_id and p.session_id = e.session_id and p.event_name = 'purchase'
         where e.tenant_id = $1 and e.event_time > p.event_time",
    );
    assert_eq!(late_events, 0);
    let purchase_off_time: i64 = ws.scalar(
        "select count(*) from semantic.dm_shopify_pixel_events e join semantic.dm_orders_shopify o using (tenant_id, order_id)
         where e.tenant_id = $1 and e.event_name = 'purchase' and e.event_time <> o.created_at",
    );
    assert_eq!(purchase_off_time, 0);
    // Order numbers continue after the store's own and rise with time.
    let first_new: i64 =
        ws.scalar("select min(order_number) from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'mock-%'");
    assert_eq!(first_new, 1000 + demo_orders + 1);
    let out_of_order: i64 = ws.scalar(
        "select count(*) from (select created_at, lag(created_at) over (order by order_number) prev from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'mock-%') x where created_at < prev",
    );
    assert_eq!(out_of_order, 0);
    // Shopify's own vocabulary.
    let bad_status: i64 = ws.scalar(
        "select count(*) from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'mock-%' and (financial_status not in ('pending','authorized','partially_paid','paid','partially_refunded','refunded','voided') or coalesce(fulfillment_status, 'fulfilled') not in ('fulfilled','partial','restocked') or name <> '#' || order_number)",
    );
    assert_eq!(bad_status, 0);
    let paid_share: f64 = ws.scalar("select avg((financial_status = 'paid')::int)::float8 from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'mock-%'");
    assert!((0.7..0.95).contains(&paid_share), "paid share {paid_share}");

    // Status sees exactly the generated rows, in one run.
    let status = ws.hr(&["status", "shopify", "--json"]).ok().json();
    let report = &status["report"];
    let generated: i64 = report["tables"].as_array().unwrap().iter().map(|t| t["generated_rows"].as_i64().unwrap()).sum();
    assert_eq!(generated, result["total_records"].as_i64().unwrap());
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["run_id"], run_id.as_str());
    assert_eq!(runs[0]["rows"], result["total_records"]);

    // Clean removes every generated row and nothing else.
    let clean = ws.hr(&["clean", "shopify", "--confirm"]);
    assert!(clean.ok().stdout.contains("Removed"), "{}", clean.stdout);
    assert_eq!(ws.checksum(), before, "clean left the workspace exactly as it was");
    let after = ws.hr(&["status", "shopify", "--json"]).ok().json();
    assert!(after["report"]["tables"].as_array().unwrap().iter().all(|t| t["generated_rows"] == 0));
    assert!(after["report"]["runs"].as_array().unwrap().is_empty());
}

#[test]
fn smart_mode_extends_the_existing_store_in_its_own_shape() {
    let mut ws = Workspace::new("smart");
    ws.load_demo_store();
    let existing_orders = ws.rows("dm_orders_shopify");
    let run = ws.hr(&["generate", "shopify", "--seed", "21", "--json"]);
    let result = run.ok().json();
    assert_eq!(ws.count("dm_orders_shopify", GENERATED_ORDER), existing_orders * 2, "50 to 200 orders: x2");
    // New orders reference the store's own products and customers too.
    let old_products: i64 = ws.count("dm_order_items_shopify", "t.line_item_id like 'mock-%' and t.product_id like 'demo-p-%'");
    let old_customers: i64 = ws.count("dm_orders_shopify", "t.order_id like 'mock-%' and t.customer_id like 'demo-c-%'");
    assert!(old_products > 0 && old_customers > 0, "existing products {old_products}, customers {old_customers}");
    // New variants are priced like the existing ones: inside the store's
    // range (a new product's options step its price up a little), their
    // median inside its p5..p95 (a run adds only a handful of variants).
    let mut price = |what: &str, of: &str| -> f64 {
        ws.scalar(&format!("select {what} from semantic.dm_variants_shopify where tenant_id = $1 and variant_id like '{of}-%'"))
    };
    let (low, high) = (price("min(price)::float8", "demo"), price("max(price)::float8", "demo"));
    let p5 = price("percentile_cont(0.05) within group (order by price::float8)", "demo");
    let p95 = price("percentile_cont(0.95) within group (order by price::float8)", "demo");
    let (new_low, new_high) = (price("min(price)::float8", "mock"), price("max(price)::float8", "mock"));
    let new_median = price("percentile_cont(0.5) within group (order by price::float8)", "mock");
    assert!(new_low >= low * 0.8 && new_high <= high * 1.25, "new prices {new_low}..{new_high}, the store's {low}..{high}");
    assert!((p5..=p95).contains(&new_median), "median new price {new_median}, the store's p5..p95 {p5}..{p95}");
    let currency: String = ws.scalar("select string_agg(distinct currency, ',') from semantic.dm_orders_shopify where tenant_id = $1");
    assert_eq!(currency, "USD");
    assert!(result["summary"].as_str().unwrap().contains("300 orders"), "{}", result["summary"]);
    assert_eq!(orphans(&mut ws), 0);
    assert_eq!(broken_sums(&mut ws), 0);
}

#[test]
fn a_dry_run_writes_nothing_and_shows_samples() {
    let mut ws = Workspace::new("dry");
    ws.load_demo_store();
    let before = ws.checksum();
    let r = ws.hr(&["generate", "shopify", "comprehensive", "--dry-run", "--json"]).ok().json();
    assert_eq!(r["dry_run"], true);
    // 500 orders, their lines and about 12 pixel events each.
    assert!(r["total_records"].as_u64().unwrap() > 5_000, "{}", r["total_records"]);
    assert_eq!(r["platforms"][0]["outcome"], "dry-run");
    let samples = r["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 6, "a sample per table that gets rows (the shop exists already)");
    assert!(samples.iter().all(|s| s["rows_json"].as_array().is_some_and(|rows| !rows.is_empty() && rows.len() <= 3)));
    assert_eq!(ws.checksum(), before);
    // Text output too.
    let text = ws.hr(&["generate", "shopify", "minimal", "--dry-run"]);
    assert!(text.ok().stdout.contains("Nothing was written"), "{}", text.stdout);
    assert_eq!(ws.checksum(), before);
}

#[test]
fn the_same_seed_gives_the_same_rows() {
    let mut ws = Workspace::new("seed");
    let digest = |ws: &mut Workspace| -> String {
        ws.scalar("select md5(string_agg(x::text, '|' order by x::text)) from (select order_id, order_number, customer_id, total_price, created_at, financial_status from semantic.dm_orders_shopify where tenant_id = $1) x")
    };
    ws.hr(&["generate", "shopify", "minimal", "--seed", "3", "--as-of", AS_OF]).ok();
    let first = digest(&mut ws);
    let items_first: String = ws.scalar("select md5(string_agg(x::text, '|' order by x::text)) from (select line_item_id, order_id, product_id, quantity, price from semantic.dm_order_items_shopify where tenant_id = $1) x");
    ws.hr(&["clean", "shopify", "--confirm"]).ok();
    ws.hr(&["generate", "shopify", "minimal", "--seed", "3", "--as-of", AS_OF]).ok();
    assert_eq!(digest(&mut ws), first);
    let items_again: String = ws.scalar("select md5(string_agg(x::text, '|' order by x::text)) from (select line_item_id, order_id, product_id, quantity, price from semantic.dm_order_items_shopify where tenant_id = $1) x");
    assert_eq!(items_again, items_first);
    let a = ws.hr(&["generate", "shopify", "minimal", "--seed", "4", "--as-of", AS_OF, "--dry-run", "--json"]).ok().json();
    let b = ws.hr(&["generate", "shopify", "minimal", "--seed", "4", "--as-of", AS_OF, "--dry-run", "--json"]).ok().json();
    assert_eq!(a["samples"], b["samples"]);
    let c = ws.hr(&["generate", "shopify", "minimal", "--seed", "5", "--as-of", AS_OF, "--dry-run", "--json"]).ok().json();
    assert_ne!(a["samples"], c["samples"]);
}

#[test]
fn re_running_a_seed_follows_the_conflict_policy() {
    let mut ws = Workspace::new("conflict");
    ws.hr(&["generate", "shopify", "minimal", "--seed", "11"]).ok();
    let before = ws.checksum();
    let again = ws.hr(&["generate", "shopify", "minimal", "--seed", "11"]);
    again.failed();
    assert!(again.stderr.contains("already has") && again.stderr.contains("--conflict skip"), "{}", again.stderr);
    assert_eq!(ws.checksum(), before, "a refused run writes nothing");
    let skip = ws.hr(&["generate", "shopify", "minimal", "--seed", "11", "--conflict", "skip"]);
    assert!(skip.ok().stderr.contains("kept as they were"), "{}", skip.stderr);
    assert_eq!(ws.checksum(), before, "skip keeps the existing rows");
    // Update writes the run's rows again (same rows: same seed, same data).
    ws.execute(&format!(
        "update semantic.dm_orders_shopify set email = 'changed@example.com' where tenant_id = '{}' and order_id like 'mock-%'",
        ws.id
    ));
    ws.hr(&["generate", "shopify", "minimal", "--seed", "11", "--conflict", "update"]).ok();
    assert_eq!(ws.count("dm_orders_shopify", "email = 'changed@example.com'"), 0, "update rewrote the run's rows");
}

#[test]
fn clean_by_run_removes_only_that_run() {
    let mut ws = Workspace::new("runs");
    let first = ws.hr(&["generate", "shopify", "minimal", "--seed", "101", "--json"]).ok().json();
    let second = ws.hr(&["generate", "shopify", "minimal", "--seed", "202", "--json"]).ok().json();
    let (r1, r2) = (first["run_id"].as_str().unwrap(), second["run_id"].as_str().unwrap());
    assert_ne!(r1, r2);
    ws.hr(&["clean", "shopify", "--confirm", "--run", r1]).ok();
    assert_eq!(ws.count("dm_orders_shopify", &format!("order_id like 'mock-{r1}-%'")), 0);
    assert_eq!(
        ws.count("dm_orders_shopify", &format!("order_id like 'mock-{r2}-%'")),
        second["platforms"][0]["tables"][4]["inserted"].as_i64().unwrap()
    );
    let status = ws.hr(&["status", "shopify", "--json"]).ok().json();
    let runs: Vec<&str> = status["report"]["runs"].as_array().unwrap().iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    assert_eq!(runs, vec![r2]);
}

#[test]
fn a_run_that_fails_half_way_removes_what_it_wrote() {
    let mut ws = Workspace::new("rollback");
    ws.load_demo_store();
    let before = ws.checksum();
    // The warehouse refuses this workspace's line items: the run fails
    // after shop, products, variants, customers and orders are in.
    let trigger = format!("refuse_items_{}", ws.id.replace('-', "_"));
    ws.execute(&format!(
        "create function semantic.{trigger}() returns trigger language plpgsql as $$ begin
           if new.tenant_id = '{id}' then raise exception 'refused for the rollback test' using errcode = 'P0001'; end if;
           return new; end $$;
         create trigger {trigger} before insert on semantic.dm_order_items_shopify for each row execute function semantic.{trigger}();",
        id = ws.id
    ));
    let run = ws.hr(&["generate", "shopify", "minimal", "--seed", "9", "--json"]);
    ws.execute(&format!("alter table semantic.dm_order_items_shopify disable trigger {trigger}"));
    // A run that already had rows (from an earlier call with the same seed)
    // is not undone on failure: that would remove the earlier rows too.
    ws.hr(&["generate", "shopify", "minimal", "--seed", "19"]).ok();
    let earlier = ws.checksum();
    ws.execute(&format!("alter table semantic.dm_order_items_shopify enable trigger {trigger}"));
    let again = ws.hr(&["generate", "shopify", "minimal", "--seed", "19", "--conflict", "update", "--json"]);
    ws.execute(&format!("drop trigger {trigger} on semantic.dm_order_items_shopify; drop function semantic.{trigger}();"));
    let again = again.failed().json();
    assert!(again["summary"].as_str().unwrap().contains("left in place"), "{}", again["summary"]);
    assert_eq!(ws.checksum(), earlier, "the earlier rows were kept (update rewrote them unchanged)");
    ws.hr(&["clean", "shopify", "--confirm"]).ok();
    let result = run.failed().json();
    assert_eq!(result["success"], false);
    assert_eq!(result["platforms"][0]["outcome"], "rolled-back");
    let summary = result["summary"].as_str().unwrap();
    assert!(summary.contains("dm_order_items_shopify") && summary.contains("removed again"), "{summary}");
    let orders = result["platforms"][0]["tables"][4]["inserted"].as_u64().unwrap();
    assert!(orders > 0, "orders were written before the failure");
    assert_eq!(ws.checksum(), before, "the rollback left the workspace as it was");
}
