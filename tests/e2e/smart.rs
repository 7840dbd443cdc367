//! Smart mode end to end: two existing stores of opposite shapes, each
//! extended by the real component in the real host; every aspect the
//! analyzers measure must move the generated rows with it. Plus the ways
//! analysis degrades instead of aborting, and the columns it fills.

use std::sync::OnceLock;

use crate::harness::{AS_OF, Workspace, shared};

/// An existing Shopify store, built with SQL.
struct Shape {
    customers: i64,
    orders: i64,
    lines: i64,
    units: i64,
    price: f64,
    /// Local hour (the shop's zone is UTC) and ISO weekday of every order.
    hour: i64,
    weekday: i64,
    statuses: &'static [(&'static str, Option<&'static str>)],
    types: &'static [&'static str],
    vendors: &'static [&'static str],
    /// Every k-th order has 20% off (0: none).
    discount_every: i64,
    /// Each customer buys one product type only.
    loyal: bool,
    /// Page views in a buying session (0: no pixel events).
    page_views: i64,
    /// Orders come faster and faster (else evenly over the year).
    growing: bool,
    /// Half the products were launched during the history.
    launching: bool,
}

const GROCERY: Shape = Shape {
    customers: 20,
    orders: 400,
    lines: 10,
    units: 1,
    price: 3.0,
    hour: 9,
    weekday: 6,
    statuses: &[("paid", Some("fulfilled"))],
    types: &["Produce", "Dairy"],
    vendors: &["Green Farm"],
    discount_every: 0,
    loyal: true,
    page_views: 5,
    growing: true,
    launching: true,
};

const LUXURY: Shape = Shape {
    customers: 400,
    orders: 400,
    lines: 1,
    units: 4,
    price: 300.0,
    hour: 20,
    weekday: 2,
    statuses: &[("paid", Some("fulfilled")), ("refunded", None)],
    types: &["Watches", "Handbags", "Jewelry", "Shoes", "Scarves", "Belts"],
    vendors: &["Maison A", "Maison B", "Maison C"],
    discount_every: 2,
    loyal: false,
    page_views: 9,
    growing: false,
    launching: false,
};

const PRODUCTS: i64 = 60;

fn load(ws: &mut Workspace, s: &Shape) {
    let id = ws.id.clone();
    let list = |xs: &[&str]| xs.iter().map(|x| format!("'{x}'")).collect::<Vec<_>>().join(", ");
    let (nt, nv) = (s.types.len() as i64, s.vendors.len() as i64);
    let (fin, ful): (Vec<String>, Vec<String>) =
        s.statuses.iter().map(|(f, u)| (format!("'{f}'"), u.map_or("null".to_string(), |u| format!("'{u}'")))).unzip();
    // Days before as-of of order g (1 = oldest): a growing store's orders
    // crowd towards the end.
    let days_back = if s.growing {
        format!("floor(360 * (1 - sqrt(g::float8 / {})))", s.orders)
    } else {
        format!("floor(360 * ({} - g)::float8 / {})", s.orders, s.orders)
    };
    let product = if s.loyal {
        format!("{nt} * (1 + ((g + j) % ({PRODUCTS} / {nt} - 1))) + ((g % {c}) % {nt})", c = s.customers)
    } else {
        format!("1 + ((g * 7 + j * 13) % {PRODUCTS})")
    };
    ws.execute(&format!(
        "insert into semantic.dm_shop_info_shopify (tenant_id, shop_id, shop_name, shop_domain, currency, iana_timezone, created_at) values ('{id}', 'S1', 'Shop', 'shop.example', 'USD', 'UTC', '2024-01-01');
         insert into semantic.dm_products_shopify (tenant_id, product_id, title, product_type, vendor, status, created_at)
           select '{id}', 'P' || g, 'Item ' || g, (array[{types}])[1 + g % {nt}], (array[{vendors}])[1 + g % {nv}], 'active',
                  case when {launching} and g % 2 = 0 then timestamptz '{AS_OF}' - (g * 5 || ' days')::interval else timestamptz '{AS_OF}' - interval '900 days' end
           from generate_series(1, {PRODUCTS}) g;
         insert into semantic.dm_variants_shopify (tenant_id, variant_id, product_id, title, price, created_at)
           select '{id}', 'V' || g, 'P' || g, 'Default Title', round(({price} * (0.5 + (g % 10) / 10.0))::numeric, 2), timestamptz '{AS_OF}' - interval '900 days' from generate_series(1, {PRODUCTS}) g;
         insert into semantic.dm_customers_shopify (tenant_id, customer_id, email, created_at)
           select '{id}', 'C' || g, 'c' || g || '@example.org', timestamptz '{AS_OF}' - interval '800 days' from generate_series(0, {nc} - 1) g;
         insert into semantic.dm_orders_shopify (tenant_id, order_id, order_number, customer_id, created_at, subtotal_price, total_price, total_tax, total_discounts, currency, financial_status, fulfillment_status)
           select '{id}', '{id}-O' || g, 1000 + g, 'C' || (g % {nc}),
                  date_trunc('day', d - (((extract(isodow from d)::int - {weekday}) + 7) % 7 || ' days')::interval) + ({hour} || ' hours')::interval + (g % 50 || ' minutes')::interval,
                  0, 0, 0, 0, 'USD', (array[{fin}])[1 + g % {ns}], (array[{ful}])[1 + g % {ns}]
           from generate_series(1, {no}) g, lateral (select timestamptz '{AS_OF}' - ({days_back} || ' days')::interval as d) x;
         insert into semantic.dm_order_items_shopify (tenant_id, line_item_id, order_id, product_id, variant_id, quantity, price, total_discount, created_at)
           select '{id}', 'L' || g || '-' || j, '{id}-O' || g, 'P' || p, 'V' || p, {units}, v.price,
                  case when {disc} > 0 and g % greatest({disc}, 1) = 0 then round({units} * v.price * 0.2, 2) else 0 end, timestamptz '{AS_OF}'
           from generate_series(1, {no}) g, generate_series(1, {lines}) j, lateral (select {product} as p) pp
           join semantic.dm_variants_shopify v on v.tenant_id = '{id}' and v.variant_id = 'V' || pp.p;
         update semantic.dm_orders_shopify o set subtotal_price = s.sub, total_price = s.sub, total_discounts = s.disc
           from (select order_id, sum(quantity * price - total_discount) as sub, sum(total_discount) as disc from semantic.dm_order_items_shopify where tenant_id = '{id}' group by 1) s
           where o.tenant_id = '{id}' and o.order_id = s.order_id;",
        types = list(s.types),
        vendors = list(s.vendors),
        launching = s.launching,
        price = s.price,
        nc = s.customers,
        no = s.orders,
        weekday = s.weekday,
        hour = s.hour,
        fin = fin.join(", "),
        ful = ful.join(", "),
        ns = s.statuses.len(),
        units = s.units,
        disc = s.discount_every,
        lines = s.lines,
    ));
    if s.page_views > 0 {
        // A buying session per order, and two browsing sessions of one page.
        ws.execute(&format!(
            "insert into semantic.dm_shopify_pixel_events (tenant_id, event_id, event_name, session_id, event_time, order_id)
               select '{id}', md5('{id}' || '/' || o.order_id || '/' || k)::uuid, case when k <= {pv} then 'page_view' when k <= {pv} + 2 then 'add_to_cart' else 'purchase' end,
                      'B' || o.order_id, o.created_at - ((({pv} + 3 - k) * 60) || ' seconds')::interval, case when k = {pv} + 3 then o.order_id end
               from semantic.dm_orders_shopify o, generate_series(1, {pv} + 3) k where o.tenant_id = '{id}';
             insert into semantic.dm_shopify_pixel_events (tenant_id, event_id, event_name, session_id, event_time)
               select '{id}', md5('{id}' || '/' || o.order_id || '/browse/' || k)::uuid, 'page_view', 'W' || o.order_id || '-' || k, o.created_at - (k || ' hours')::interval
               from semantic.dm_orders_shopify o, generate_series(1, 2) k where o.tenant_id = '{id}';",
            pv = s.page_views
        ));
    }
    ws.analyze();
}

/// The two stores (workspace ids), each extended once by smart mode (300
/// orders); shared by the aspect tests below.
fn pair() -> &'static [String; 2] {
    static PAIR: OnceLock<[String; 2]> = OnceLock::new();
    PAIR.get_or_init(|| {
        let _schema = shared();
        // Different seeds: the same seed gives the same keys, and these
        // workspaces stay in the warehouse after the tests.
        [("aspects-grocery", &GROCERY, "9"), ("aspects-luxury", &LUXURY, "10")].map(|(tag, shape, seed)| {
            let mut ws = Workspace::detached(tag);
            load(&mut ws, shape);
            let r = ws.hr(&["generate", "shopify", "--count", "300", "--seed", seed, "--as-of", AS_OF, "--json"]).ok().json();
            assert_eq!(r["success"], true, "{r}");
            ws.analyze();
            ws.id.clone()
        })
    })
}

/// `sql` over the generated rows and over the store's own, for both
/// stores: [(grocery generated, grocery real), (luxury generated, luxury real)].
/// In `sql`, `{gen}` stands for "the tool made this row" on alias `t`'s key.
fn both(sql: &str, key: &str) -> [(f64, f64); 2] {
    let ids = pair();
    let _schema = shared();
    [0, 1].map(|i| {
        let mut ws = Workspace::attach(&ids[i]);
        let generated =
            if key == "event_id" { "t.event_id::text like '6d6f636b-6461-%'".to_string() } else { format!("t.{key} like 'mock-%'") };
        let g: f64 = ws.scalar(&sql.replace("{gen}", &generated));
        let r: f64 = ws.scalar(&sql.replace("{gen}", &format!("not {generated}")));
        (g, r)
    })
}

/// Generated figures within `tolerance` (relative) of the store's own, in
/// both stores, and the two stores apart: the output moved with the input.
fn follows(aspect: &str, [(g1, r1), (g2, r2)]: [(f64, f64); 2], tolerance: f64) {
    let near = |g: f64, r: f64| (g - r).abs() <= tolerance * r.abs().max(1e-9);
    assert!(near(g1, r1), "{aspect}: grocery store {r1}, generated {g1}");
    assert!(near(g2, r2), "{aspect}: luxury store {r2}, generated {g2}");
    assert!((r1 - r2).abs() > 2.0 * tolerance * r1.abs().max(r2.abs()), "{aspect}: the two stores should differ ({r1} vs {r2})");
}

#[test]
fn lines_per_order_follow_the_store() {
    let sql = "select avg(n)::float8 from (select t.order_id, count(*) as n from semantic.dm_order_items_shopify t where t.tenant_id = $1 and {gen} group by 1) x";
    follows("lines per order", both(sql, "line_item_id"), 0.1);
}

#[test]
fn units_per_line_follow_the_store() {
    let sql = "select avg(t.quantity)::float8 from semantic.dm_order_items_shopify t where t.tenant_id = $1 and {gen}";
    follows("units per line", both(sql, "line_item_id"), 0.1);
}

#[test]
fn unit_prices_follow_the_store() {
    let sql = "select percentile_cont(0.5) within group (order by t.price)::float8 from semantic.dm_order_items_shopify t where t.tenant_id = $1 and {gen}";
    follows("median unit price", both(sql, "line_item_id"), 0.2);
}

#[test]
fn hours_and_weekdays_follow_the_store() {
    let hour = "select mode() within group (order by extract(hour from t.created_at at time zone 'UTC'))::float8 from semantic.dm_orders_shopify t where t.tenant_id = $1 and {gen}";
    follows("busiest hour", both(hour, "order_id"), 0.0);
    let weekday = "select mode() within group (order by extract(isodow from t.created_at at time zone 'UTC'))::float8 from semantic.dm_orders_shopify t where t.tenant_id = $1 and {gen}";
    follows("busiest weekday", both(weekday, "order_id"), 0.0);
    // Within five points: a store without morning orders may get a few,
    // the profile being blended with a tenth of an order per hour of the week.
    let share = "select avg((extract(hour from t.created_at at time zone 'UTC') between 8 and 10)::int)::float8 from semantic.dm_orders_shopify t where t.tenant_id = $1 and {gen}";
    let [(g1, r1), (g2, r2)] = both(share, "order_id");
    assert!(
        (g1 - r1).abs() <= 0.05 && (g2 - r2).abs() <= 0.05 && (r1 - r2).abs() > 0.5,
        "share of morning orders: grocery {r1} -> {g1}, luxury {r2} -> {g2}"
    );
}

#[test]
fn the_volume_curve_follows_the_store() {
    // Share of orders in the later half of the period.
    let sql = "select avg((t.created_at > (select min(created_at) + (max(created_at) - min(created_at)) / 2 from semantic.dm_orders_shopify m where m.tenant_id = $1 and {gen_m}))::int)::float8 from semantic.dm_orders_shopify t where t.tenant_id = $1 and {gen}";
    let sql_g = sql.replace("{gen_m}", "m.order_id like 'mock-%'");
    let [(g1, _), (g2, _)] = both(&sql_g, "order_id");
    let sql_r = sql.replace("{gen_m}", "m.order_id not like 'mock-%'");
    let [(_, r1), (_, r2)] = both(&sql_r, "order_id");
    follows("share of orders in the later half", [(g1, r1), (g2, r2)], 0.12);
}

#[test]
fn orders_per_customer_and_returning_customers_follow_the_store() {
    let per = "select count(*)::float8 / count(distinct t.customer_id) from semantic.dm_orders_shopify t where t.tenant_id = $1 and {gen}";
    follows("orders per customer", both(per, "order_id"), 0.25);
    // The loyal store's new orders go to its own customers; the one-time
    // buyers' store gets new ones.
    let returning =
        "select avg((t.customer_id not like 'mock-%')::int)::float8 from semantic.dm_orders_shopify t where t.tenant_id = $1 and {gen}";
    let [(g1, _), (g2, _)] = both(returning, "order_id");
    assert!(g1 > 0.8, "grocery: {g1} of new orders from existing customers");
    assert!(g2 < 0.3, "luxury: {g2} of new orders from existing customers");
}

#[test]
fn the_status_mix_follows_the_store() {
    let sql = "select avg((t.financial_status = 'refunded')::int)::float8 + 0.01 from semantic.dm_orders_shopify t where t.tenant_id = $1 and {gen}";
    follows("refunded share (+1%)", both(sql, "order_id"), 0.3);
}

#[test]
fn discounts_follow_the_store() {
    let sql = "select avg((t.total_discounts > 0)::int)::float8 + 0.01 from semantic.dm_orders_shopify t where t.tenant_id = $1 and {gen}";
    follows("discounted share (+1%)", both(sql, "order_id"), 0.2);
}

#[test]
fn product_types_vendors_and_affinity_follow_the_store() {
    // New products take the store's types and vendors.
    let ids = pair();
    let schema = shared();
    for (id, shape) in [(&ids[0], &GROCERY), (&ids[1], &LUXURY)] {
        let mut ws = Workspace::attach(id);
        let foreign_type: i64 = ws.scalar(&format!(
            "select count(*) from semantic.dm_products_shopify where tenant_id = $1 and product_id like 'mock-%' and product_type not in ({})",
            shape.types.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ")
        ));
        let foreign_vendor: i64 = ws.scalar(&format!(
            "select count(*) from semantic.dm_products_shopify where tenant_id = $1 and product_id like 'mock-%' and vendor not in ({})",
            shape.vendors.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ")
        ));
        assert_eq!((foreign_type, foreign_vendor), (0, 0), "{id}");
    }
    drop(schema);
    // Affinity: the share of a returning customer's lines in their most
    // bought type.
    let sql = "with l as (select o.customer_id as c, p.product_type as ty, count(*) as n from semantic.dm_order_items_shopify t join semantic.dm_orders_shopify o on o.tenant_id = t.tenant_id and o.order_id = t.order_id join semantic.dm_products_shopify p on p.tenant_id = t.tenant_id and p.product_id = t.product_id where t.tenant_id = $1 and {gen} group by 1, 2), \
               r as (select c, sum(n) as total, max(n) as top from l group by 1 having sum(n) >= 2) select coalesce(sum(top) / sum(total), 0)::float8 from r";
    let [(g1, r1), (g2, r2)] = both(sql, "line_item_id");
    assert!(r1 > 0.95 && g1 > 0.8, "loyal store: {r1}, generated {g1}");
    assert!(g2 < g1 - 0.2, "the other store's customers are not loyal: {g2} (store {r2})");
}

#[test]
fn the_funnel_follows_the_store() {
    let sql = "select (count(*) filter (where t.event_name = 'page_view'))::float8 / count(*) filter (where t.event_name = 'purchase') from semantic.dm_shopify_pixel_events t where t.tenant_id = $1 and {gen}";
    follows("page views per purchase", both(sql, "event_id"), 0.15);
}

#[test]
fn the_catalogue_grows_as_the_store_did() {
    let sql = "select count(*)::float8 from semantic.dm_products_shopify t where t.tenant_id = $1 and {gen}";
    let [(g1, _), (g2, _)] = both(sql, "product_id");
    // Half the grocery's products were launched during its history; none
    // of the luxury store's.
    assert!(g1 >= 10.0 && g2 <= 2.0, "new products: grocery {g1}, luxury {g2}");
}

/// A shop whose time zone PostgreSQL does not know makes the time
/// analyzer's query fail; a renamed events table is missing. The run
/// warns, uses the defaults for those aspects, and writes the rest.
#[test]
fn a_failing_analyzer_and_a_missing_table_give_warnings_not_failures() {
    let mut ws = Workspace::exclusive("degrade");
    load(&mut ws, &LUXURY);
    ws.execute(&format!("update semantic.dm_shop_info_shopify set iana_timezone = 'Mars/Olympus_Mons' where tenant_id = '{}'", ws.id));
    ws.execute("alter table semantic.dm_shopify_pixel_events rename to dm_shopify_pixel_events_away");
    let run = ws.hr(&["generate", "shopify", "--count", "50", "--seed", "3", "--as-of", AS_OF, "--json"]);
    ws.execute("alter table semantic.dm_shopify_pixel_events_away rename to dm_shopify_pixel_events");
    let r = run.ok().json();
    assert_eq!(r["success"], true, "{r}");
    let warnings = r["warnings"].to_string();
    assert!(warnings.contains("time analysis failed") && warnings.contains("industry defaults"), "{warnings}");
    assert!(warnings.contains("skipped semantic.dm_shopify_pixel_events"), "{warnings}");
    assert_eq!(ws.count("dm_orders_shopify", "order_id like 'mock-%'"), 50);
    // The other analyzers still learnt from the store.
    let findings = r["analysis"][0]["findings"].as_array().unwrap();
    let price = findings.iter().find(|f| f["aspect"] == "unit price").unwrap();
    assert_eq!(price["source"], "workspace");
    // The time zone broke the hour-of-week query: no profile was learnt.
    assert!(findings.iter().all(|f| f["aspect"] != "hour of week"), "{findings:?}");
}

/// The plan's schema makes orders.customer_id and order_items.variant_id
/// NOT NULL; a column the generator has never heard of is NOT NULL too.
/// All are filled: the unknown one from the values the store uses.
#[test]
fn unknown_and_stricter_columns_are_filled() {
    let mut ws = Workspace::exclusive("columns");
    load(&mut ws, &GROCERY);
    ws.execute(&format!(
        "alter table semantic.dm_orders_shopify alter column customer_id set not null;
         alter table semantic.dm_order_items_shopify alter column variant_id set not null;
         alter table semantic.dm_orders_shopify add column risk_level text not null default 'low';
         alter table semantic.dm_orders_shopify alter column risk_level drop default;
         update semantic.dm_orders_shopify set risk_level = 'high' where tenant_id = '{}' and order_number % 4 = 0;",
        ws.id
    ));
    ws.reload_api();
    let run = ws.hr(&["generate", "shopify", "--count", "200", "--seed", "4", "--as-of", AS_OF, "--json"]);
    let high: f64 = ws.scalar(
        "select avg((risk_level = 'high')::int)::float8 from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'mock-%'",
    );
    let nulls: i64 = ws.scalar("select count(*) from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'mock-%' and (risk_level is null or customer_id is null)");
    ws.execute(
        "alter table semantic.dm_orders_shopify drop column risk_level;
         alter table semantic.dm_orders_shopify alter column customer_id drop not null;
         alter table semantic.dm_order_items_shopify alter column variant_id drop not null;",
    );
    ws.reload_api();
    let r = run.ok().json();
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(nulls, 0);
    assert!((0.15..=0.35).contains(&high), "risk_level resampled as the store has it (25% high): {high}");
}
