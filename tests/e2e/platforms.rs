//! Every platform end to end: each store in its own vocabulary with keys
//! that resolve and sums that hold, Google Ads with its identities on every
//! row, and ad clicks that lead to orders whose count and value the
//! campaigns report.

use crate::harness::Workspace;

const STORES: [&str; 4] = ["shopify", "bigcommerce", "woocommerce", "magento"];

fn orphans(ws: &mut Workspace, p: &str) -> i64 {
    let variant = if p == "woocommerce" { "variation_id" } else { "variant_id" };
    ws.scalar(&format!(
        "select
          (select count(*) from semantic.dm_order_items_{p} i where i.tenant_id = $1 and not exists (select 1 from semantic.dm_orders_{p} o where o.tenant_id = i.tenant_id and o.order_id = i.order_id))
        + (select count(*) from semantic.dm_order_items_{p} i where i.tenant_id = $1 and not exists (select 1 from semantic.dm_products_{p} x where x.tenant_id = i.tenant_id and x.product_id = i.product_id))
        + (select count(*) from semantic.dm_order_items_{p} i where i.tenant_id = $1 and i.{variant} is not null and not exists (select 1 from semantic.dm_variants_{p} v where v.tenant_id = i.tenant_id and v.variant_id = i.{variant}))
        + (select count(*) from semantic.dm_variants_{p} v where v.tenant_id = $1 and not exists (select 1 from semantic.dm_products_{p} x where x.tenant_id = v.tenant_id and x.product_id = v.product_id))
        + (select count(*) from semantic.dm_orders_{p} o where o.tenant_id = $1 and o.customer_id is not null and not exists (select 1 from semantic.dm_customers_{p} c where c.tenant_id = o.tenant_id and c.customer_id = o.customer_id))"
    ))
}

/// Orders whose lines or totals do not add up, in each platform's terms.
fn broken_sums(ws: &mut Workspace, p: &str) -> i64 {
    let sql = match p {
        "shopify" => "select count(*) from semantic.dm_orders_shopify o join (select order_id, sum(quantity * price - total_discount) s from semantic.dm_order_items_shopify where tenant_id = $1 group by 1) i using (order_id)
                      where o.tenant_id = $1 and (abs(o.subtotal_price - i.s) > 0.01 or abs(o.total_price - (o.subtotal_price + o.total_tax + o.total_shipping)) > 0.01)",
        "bigcommerce" => "select count(*) from semantic.dm_orders_bigcommerce o join (select order_id, sum(total_ex_tax) s, sum(discount_amount) d from semantic.dm_order_items_bigcommerce where tenant_id = $1 group by 1) i using (order_id)
                      where o.tenant_id = $1 and (abs(o.subtotal_ex_tax - i.s) > 0.01 or abs(o.discount_amount - i.d) > 0.01
                        or abs(o.total_inc_tax - (o.subtotal_ex_tax - o.discount_amount + o.shipping_cost_ex_tax + o.total_tax)) > 0.01)",
        "woocommerce" => "select count(*) from semantic.dm_orders_woocommerce o join (select order_id, sum(subtotal) s, sum(subtotal - total) d from semantic.dm_order_items_woocommerce where tenant_id = $1 group by 1) i using (order_id)
                      where o.tenant_id = $1 and (abs(o.subtotal - i.s) > 0.01 or abs(o.discount_total - i.d) > 0.01
                        or abs(o.total - (o.subtotal - o.discount_total + o.shipping_total + o.total_tax)) > 0.01)",
        _ => "select count(*) from semantic.dm_orders_magento o join (select order_id, sum(row_total) s, sum(discount_amount) d from semantic.dm_order_items_magento where tenant_id = $1 group by 1) i using (order_id)
                      where o.tenant_id = $1 and (abs(o.subtotal - i.s) > 0.01 or abs(o.discount_amount + i.d) > 0.01
                        or abs(o.grand_total - (o.subtotal + o.discount_amount + o.shipping_amount + o.tax_amount)) > 0.01)",
    };
    ws.scalar(sql)
}

/// The order total column of each platform.
fn total(p: &str) -> &'static str {
    match p {
        "shopify" => "total_price",
        "bigcommerce" => "total_inc_tax",
        "woocommerce" => "total",
        _ => "grand_total",
    }
}

const ADS_TABLES: [&str; 5] = [
    "dm_ads_campaigns_google",
    "dm_ads_keywords_google",
    "dm_ads_search_terms_google",
    "dm_ads_creatives_google",
    "dm_ads_products_google",
];

/// Rows of the ads tables that break an identity.
fn ads_violations(ws: &mut Workspace) -> i64 {
    let mut bad = 0;
    for t in ADS_TABLES {
        bad += ws.count(
            t,
            "t.clicks > t.impressions or t.conversions > t.clicks or t.cost_micros < 0 or t.cost_micros % 10000 <> 0
             or (t.clicks = 0 and t.cost_micros > 0) or (t.clicks > 0 and t.cost_micros % t.clicks <> 0)
             or (t.conversions = 0 and t.conversions_value > 0)",
        );
    }
    bad += ws.count(
        "dm_ads_campaigns_google",
        "abs(t.ctr - case when t.impressions = 0 then 0 else t.clicks::numeric / t.impressions end) > 0.000001
         or (t.clicks > 0 and abs(t.average_cpc - round(t.cost_micros::numeric / t.clicks / 1000000, 2)) > 0.005)
         or (t.cost_micros > 0 and abs(t.roas - t.conversions_value / (t.cost_micros::numeric / 1000000)) > 0.001)",
    );
    bad
}

#[test]
fn all_platforms_fill_every_table_keep_their_rules_and_clean_back() {
    let mut ws = Workspace::new("all");
    let before = ws.checksum();
    let result = ws.hr(&["generate", "all", "comprehensive", "--seed", "11", "--json"]).ok().json();
    assert_eq!(result["platforms"].as_array().unwrap().len(), 5);
    ws.analyze();

    let tables: Vec<String> = result["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["tables"].as_array().unwrap().iter().map(|t| t["table"].as_str().unwrap().trim_start_matches("semantic.").to_string())
        })
        .collect();
    assert_eq!(tables.len(), 30);
    for t in &tables {
        assert!(ws.rows(t) > 0, "{t} is empty");
    }
    for p in STORES {
        assert_eq!(orphans(&mut ws, p), 0, "{p} orphans");
        assert_eq!(broken_sums(&mut ws, p), 0, "{p} sums");
        let customer_first_order_late: i64 = ws.scalar(&format!(
            "select count(*) from semantic.dm_orders_{p} o join semantic.dm_customers_{p} c using (tenant_id, customer_id)
             where o.tenant_id = $1 and o.{created} < c.{created}",
            created = if p == "bigcommerce" || p == "woocommerce" { "date_created" } else { "created_at" }
        ));
        assert_eq!(customer_first_order_late, 0, "{p}: customers exist before their orders");
    }

    // Each platform's own vocabulary.
    let bad_bigcommerce = ws.count(
        "dm_orders_bigcommerce",
        "(t.status_id, t.status) not in ((0,'Incomplete'),(1,'Pending'),(2,'Shipped'),(3,'Partially Shipped'),(4,'Refunded'),(5,'Cancelled'),(6,'Declined'),(7,'Awaiting Payment'),(8,'Awaiting Pickup'),(9,'Awaiting Shipment'),(10,'Completed'),(11,'Awaiting Fulfillment'),(12,'Manual Verification Required'),(13,'Disputed'),(14,'Partially Refunded'))",
    );
    assert_eq!(bad_bigcommerce, 0);
    assert!(ws.count("dm_orders_bigcommerce", "t.status = 'Completed'") > ws.count("dm_orders_bigcommerce", "t.status = 'Cancelled'") * 5);
    assert_eq!(
        ws.count("dm_orders_woocommerce", "t.status not in ('pending','processing','on-hold','completed','cancelled','refunded','failed')"),
        0
    );
    assert_eq!(ws.count("dm_products_woocommerce", "t.type not in ('simple','variable')"), 0);
    assert_eq!(
        ws.count("dm_variants_woocommerce", "not exists (select 1 from semantic.dm_products_woocommerce p where p.tenant_id = t.tenant_id and p.product_id = t.product_id and p.type = 'variable')"),
        0,
        "variations only for variable products"
    );
    assert_eq!(
        ws.count("dm_orders_magento", "(t.state, t.status) not in (('new','pending'),('pending_payment','pending_payment'),('processing','processing'),('complete','complete'),('closed','closed'),('canceled','canceled'),('holded','holded'),('payment_review','payment_review')) or t.increment_id !~ '^[0-9]{9}$'"),
        0
    );
    assert_eq!(ws.count("dm_products_magento", "t.type_id not in ('simple','configurable','virtual','bundle')"), 0);
    assert_eq!(
        ws.count("dm_variants_magento", "not exists (select 1 from semantic.dm_products_magento p where p.tenant_id = t.tenant_id and p.product_id = t.product_id and p.type_id = 'configurable')"),
        0,
        "children only under configurable products"
    );
    let currencies: i64 = ws.scalar(
        "select count(distinct c) from (select currency c from semantic.dm_orders_shopify where tenant_id = $1 union select currency_code from semantic.dm_orders_bigcommerce where tenant_id = $1
         union select currency from semantic.dm_orders_woocommerce where tenant_id = $1 union select order_currency_code from semantic.dm_orders_magento where tenant_id = $1
         union select currency_code from semantic.dm_ads_campaigns_google where tenant_id = $1) x",
    );
    assert_eq!(currencies, 1, "one merchant, one currency");

    // Ads: identities on every row, rates inside the channel's benchmarks.
    assert_eq!(ads_violations(&mut ws), 0);
    let out_of_range: i64 = ws.scalar(
        "select count(*) from (select advertising_channel_type ch, sum(clicks)::float8 / nullif(sum(impressions), 0) ctr from semantic.dm_ads_campaigns_google where tenant_id = $1 group by 1) t
         where (t.ch = 'SEARCH' and t.ctr not between 0.0317 and 0.13) or (t.ch = 'SHOPPING' and t.ctr not between 0.006 and 0.011)
            or (t.ch = 'DISPLAY' and t.ctr not between 0.003 and 0.0065) or (t.ch = 'PERFORMANCE_MAX' and t.ctr not between 0.006 and 0.02)",
    );
    assert_eq!(out_of_range, 0, "channel click-through rates follow benchmarks.md");
    assert_eq!(ws.count("dm_ads_keywords_google", "t.quality_score not between 1 and 10 or t.match_type not in ('EXACT','PHRASE','BROAD') or t.status not in ('ENABLED','PAUSED','REMOVED')"), 0);
    assert_eq!(ws.count("dm_ads_campaigns_google", "t.campaign_status not in ('ENABLED','PAUSED','REMOVED')"), 0);
    assert_eq!(
        ws.count("dm_ads_creatives_google", "exists (select 1 from jsonb_array_elements_text(coalesce(t.headlines, '[]')) h where length(h) > 30) or exists (select 1 from jsonb_array_elements_text(coalesce(t.descriptions, '[]')) d where length(d) > 90)"),
        0
    );
    // Search terms match their keyword the way its match type allows.
    assert_eq!(
        ws.count(
            "dm_ads_search_terms_google",
            "(t.match_type = 'EXACT' and t.search_term not in (t.keyword_text, t.keyword_text || 's', t.keyword_text || 'es'))
             or (t.match_type = 'PHRASE' and position(t.keyword_text in t.search_term) = 0)
             or (t.match_type = 'BROAD' and position(split_part(t.keyword_text, ' ', array_length(string_to_array(t.keyword_text, ' '), 1)) in t.search_term) = 0)",
        ),
        0
    );
    // Keywords add up to their search campaigns, day by day.
    let unbalanced: i64 = ws.scalar(
        "select count(*) from semantic.dm_ads_campaigns_google c
         left join (select campaign_id, date, sum(impressions) i, sum(clicks) k, sum(cost_micros) m from semantic.dm_ads_keywords_google where tenant_id = $1 group by 1, 2) w using (campaign_id, date)
         where c.tenant_id = $1 and c.advertising_channel_type = 'SEARCH' and (coalesce(w.i, 0), coalesce(w.k, 0), coalesce(w.m, 0)) <> (c.impressions, c.clicks, c.cost_micros)",
    );
    assert_eq!(unbalanced, 0);
    // Shopping products are the store's own.
    assert_eq!(
        ws.count(
            "dm_ads_products_google",
            "not exists (select 1 from semantic.dm_variants_shopify v where v.tenant_id = t.tenant_id and v.sku = t.product_item_id)"
        ),
        0
    );

    // Attribution: 30-50% of each store's orders came from a click, with UTM
    // tags and a click id naming the campaign, 1-30 days before the order;
    // the campaigns report exactly those orders and their value.
    let (mut attributed, mut value) = (0i64, 0f64);
    for p in STORES {
        let created = if p == "bigcommerce" || p == "woocommerce" { "date_created" } else { "created_at" };
        let share: f64 =
            ws.scalar(&format!("select avg((gclid is not null)::int)::float8 from semantic.dm_orders_{p} where tenant_id = $1"));
        assert!((0.30..=0.50).contains(&share), "{p}: {share} of orders from ads");
        let untagged = ws.count(
            &format!("dm_orders_{p}"),
            "t.gclid is not null and (t.utm_source <> 'google' or t.utm_medium <> 'cpc' or t.utm_campaign is null)",
        );
        assert_eq!(untagged, 0);
        let no_click_window = ws.count(
            &format!("dm_orders_{p}"),
            &format!(
                "t.gclid is not null and not exists (select 1 from semantic.dm_ads_campaigns_google c where c.tenant_id = t.tenant_id and c.campaign_name = t.utm_campaign
                   and c.date between (t.{created} - interval '30 days')::date and (t.{created} - interval '1 day')::date)"
            ),
        );
        assert_eq!(no_click_window, 0, "{p}: a running campaign 1-30 days before each attributed order");
        attributed += ws.count(&format!("dm_orders_{p}"), "t.gclid is not null");
        value += ws.scalar::<f64>(&format!(
            "select coalesce(sum({})::float8, 0) from semantic.dm_orders_{p} where tenant_id = $1 and gclid is not null",
            total(p)
        ));
    }
    let landing_with_click: i64 = ws.scalar(
        "with linked as (select b.order_id, l.gclid, l.utm_campaign from semantic.dm_shopify_pixel_events b
           join semantic.dm_shopify_pixel_events l on l.tenant_id = b.tenant_id and l.session_id = b.session_id
           where b.tenant_id = $1 and b.event_name = 'purchase' and l.gclid is not null)
         select count(*) from semantic.dm_orders_shopify o left join linked k on k.order_id = o.order_id and k.gclid = o.gclid and k.utm_campaign = o.utm_campaign
         where o.tenant_id = $1 and o.gclid is not null and k.order_id is null",
    );
    assert_eq!(landing_with_click, 0, "the buying session's landing event carries the click");
    let (conversions, conversion_value): (f64, f64) = (
        ws.scalar("select sum(conversions)::float8 from semantic.dm_ads_campaigns_google where tenant_id = $1"),
        ws.scalar("select sum(conversions_value)::float8 from semantic.dm_ads_campaigns_google where tenant_id = $1"),
    );
    assert_eq!(conversions as i64, attributed, "campaign conversions are the attributed orders");
    assert!((conversion_value - value).abs() < 0.01, "conversion value {conversion_value} vs orders {value}");

    ws.hr(&["clean", "all", "--confirm"]).ok();
    assert_eq!(ws.checksum(), before);
}

#[test]
fn ads_alone_keep_their_identities_and_benchmarks() {
    let mut ws = Workspace::new("ads");
    // A cap on requests in flight keeps the answer JSON.
    let result = ws.hr(&["generate", "google-ads", "minimal", "--seed", "4", "--max-in-flight", "2", "--json"]).ok().json();
    assert!(result["total_records"].as_u64().unwrap() > 0);
    for t in ADS_TABLES {
        assert!(ws.rows(t) > 0, "{t}");
    }
    assert_eq!(ads_violations(&mut ws), 0);
    let conversion_rate: f64 = ws.scalar("select sum(conversions)::float8 / sum(clicks) from semantic.dm_ads_campaigns_google where tenant_id = $1 and advertising_channel_type = 'SEARCH'");
    assert!((0.03..=0.11).contains(&conversion_rate), "search conversion rate {conversion_rate}");
    assert_eq!(ws.count("dm_ads_products_google", "t.product_item_id !~ '^SKU-'"), 0, "no store: products of its own");
    // A store and ads together, by list.
    ws.hr(&["clean", "google-ads", "--confirm"]).ok();
    ws.hr(&["generate", "bigcommerce,google-ads", "minimal", "--seed", "5"]).ok();
    assert!(ws.count("dm_orders_bigcommerce", "t.gclid is not null") > 0);
    assert_eq!(ws.rows("dm_orders_shopify"), 0, "only the platforms asked for");
    let numeric_ids = ws.count("dm_orders_bigcommerce", "t.order_id::text !~ '^[0-9]+$'");
    assert_eq!(numeric_ids, 0);
}
