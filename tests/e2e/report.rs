//! The fidelity report end to end: a small existing store, a run generated
//! without seeing it and a run generated from it; the report scores both
//! against the store's own rows, and its figures match ones computed here
//! from the rows themselves.

use serde_json::Value;

use crate::harness::{AS_OF, Workspace};

/// 1 - the two-sample KS statistic, from the raw values.
fn ks_complement(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let cdf = |xs: &[f64], x: f64| xs.partition_point(|v| *v <= x) as f64 / xs.len() as f64;
    let gap = a.iter().chain(&b).map(|x| (cdf(&a, *x) - cdf(&b, *x)).abs()).fold(0.0, f64::max);
    1.0 - gap
}

fn values(ws: &mut Workspace, sql: &str) -> Vec<f64> {
    let v: Vec<f64> = ws.scalar(&format!("select coalesce(array_agg(x), '{{}}') from ({sql}) s"));
    v
}

fn aspect<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["platforms"][0]["aspects"].as_array().unwrap().iter().find(|a| a["aspect"] == name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn generated_rows_are_scored_against_the_real_ones() {
    let mut ws = Workspace::new("report");
    // A run made on an empty workspace (industry defaults), then the store
    // arrives, then a run made from the store: the second is like-for-like.
    let blind = ws.hr(&["generate", "shopify", "--count", "200", "--seed", "31", "--as-of", AS_OF, "--json"]).ok().json();
    let blind_run = blind["run_id"].as_str().unwrap().to_string();
    let run_number: u32 = blind_run.parse().unwrap();
    // And deliberately so: its day moved by twelve hours (everything of the
    // run together, so its rows stay consistent: sessions end in their
    // orders, customers exist before their first order).
    ws.execute(&format!(
        "update semantic.dm_orders_shopify set created_at = created_at + interval '12 hours', processed_at = processed_at + interval '12 hours'
           where tenant_id = '{id}' and order_id like 'mock-{blind_run}-%';
         update semantic.dm_order_items_shopify set created_at = created_at + interval '12 hours' where tenant_id = '{id}' and line_item_id like 'mock-{blind_run}-%';
         update semantic.dm_shopify_pixel_events set event_time = event_time + interval '12 hours' where tenant_id = '{id}' and event_id::text like '6d6f636b-6461-{hi:04x}-{lo:04x}-%';",
        id = ws.id,
        hi = run_number >> 16,
        lo = run_number & 0xffff,
    ));
    ws.load_demo_store();
    let learnt = ws.hr(&["generate", "shopify", "--count", "200", "--seed", "32", "--as-of", AS_OF, "--json"]).ok().json();
    let (blind_run, learnt_run) = (blind_run.as_str(), learnt["run_id"].as_str().unwrap());
    let before = ws.checksum();

    let scores = |ws: &Workspace, run: &str| -> Value {
        let r = ws.hr(&["report", "shopify", "--run", run, "--json"]).ok().json();
        assert_eq!(r["success"], true);
        r["report"].clone()
    };
    let (blind_report, learnt_report) = (scores(&ws, blind_run), scores(&ws, learnt_run));
    assert_eq!(ws.checksum(), before, "report writes nothing");
    for report in [&blind_report, &learnt_report] {
        let platform = &report["platforms"][0];
        assert_eq!(platform["platform"], "shopify");
        let aspects = platform["aspects"].as_array().unwrap();
        assert_eq!(aspects.len(), 17, "ten columns, six order pairs, spend per customer");
        let mut available = Vec::new();
        for a in aspects {
            match a["score"].as_f64() {
                Some(s) => {
                    assert!((0.0..=1.0).contains(&s), "{a}");
                    assert!(a["real_rows"].as_u64().unwrap() > 0 && a["generated_rows"].as_u64().unwrap() > 0, "{a}");
                    let bins = a["bins"].as_array().unwrap();
                    assert!(!bins.is_empty() && bins.len() <= 40, "{a}");
                    if a["metric"] == "CorrelationSimilarity" {
                        // One bar per side: its correlation.
                        assert!(bins.len() == 1 && bins[0]["real"].as_f64().unwrap().abs() <= 1.0, "{a}");
                        available.push(s);
                        continue;
                    }
                    for side in ["real", "generated"] {
                        let total: f64 = bins.iter().map(|b| b[side].as_f64().unwrap()).sum();
                        assert!((total - 1.0).abs() < 1e-6, "{} {side} shares sum to {total}", a["aspect"]);
                    }
                    available.push(s);
                }
                None => assert!(a["note"].as_str().unwrap().starts_with("not available"), "{a}"),
            }
        }
        // Everything the demo store has is measured.
        assert!(available.len() >= 16, "{report}");
        let mean = platform["mean"].as_f64().unwrap();
        assert!((mean - available.iter().sum::<f64>() / available.len() as f64).abs() < 1e-9);
    }
    let (blind_mean, learnt_mean) =
        (blind_report["platforms"][0]["mean"].as_f64().unwrap(), learnt_report["platforms"][0]["mean"].as_f64().unwrap());
    eprintln!("mean score: like-for-like run {learnt_mean:.3}, blind run {blind_mean:.3}");
    let hour = |r: &Value| aspect(r, "hour of day")["score"].as_f64().unwrap();
    assert!(hour(&learnt_report) > hour(&blind_report) + 0.2, "hour of day: {} vs {}", hour(&learnt_report), hour(&blind_report));
    assert!(learnt_mean > blind_mean + 0.05, "like-for-like {learnt_mean} should beat blind {blind_mean}");

    // The figures are the ones the rows give. Real orders are the demo's,
    // generated ones the run's.
    let real =
        values(&mut ws, "select subtotal_price::float8 x from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'demo-%'");
    let generated = values(
        &mut ws,
        &format!(
            "select subtotal_price::float8 x from semantic.dm_orders_shopify where tenant_id = $1 and order_id like 'mock-{learnt_run}-%'"
        ),
    );
    let subtotal = aspect(&learnt_report, "order subtotal");
    assert_eq!(subtotal["real_rows"].as_u64().unwrap(), real.len() as u64);
    assert_eq!(subtotal["generated_rows"].as_u64().unwrap(), generated.len() as u64);
    let expected = ks_complement(real, generated);
    let got = subtotal["score"].as_f64().unwrap();
    assert!((got - expected).abs() <= 0.001 + 1e-9, "order subtotal: report {got}, from the rows {expected}");
    let status_tv: f64 = ws.scalar(&format!(
        "with c as (select order_id like 'demo-%' as real, financial_status || '/' || coalesce(fulfillment_status, '-') as v
                    from semantic.dm_orders_shopify where tenant_id = $1 and (order_id like 'demo-%' or order_id like 'mock-{learnt_run}-%')),
              n as (select count(*) filter (where real)::float8 as r, count(*) filter (where not real)::float8 as g from c),
              p as (select count(*) filter (where real) / n.r as r, count(*) filter (where not real) / n.g as g from c, n group by c.v, n.r, n.g)
         select 1 - 0.5 * sum(abs(r - g)) from p"
    ));
    let got = aspect(&learnt_report, "status mix")["score"].as_f64().unwrap();
    assert!((got - status_tv).abs() < 1e-9, "status mix: report {got}, from the rows {status_tv}");

    // A column-pair trend is the gap between the two sides' correlations,
    // as computed here from the rows (units against mean unit price, per order).
    let corr = |like: &str| -> f64 {
        let mut ws = Workspace::attach(&ws.id);
        ws.scalar(&format!(
            "select corr(u, p) from (select sum(quantity)::float8 as u, avg(price)::float8 as p from semantic.dm_order_items_shopify
               where tenant_id = $1 and order_id like '{like}' group by order_id) x"
        ))
    };
    let (real, generated) = (corr("demo-%"), corr(&format!("mock-{learnt_run}-%")));
    let trend = aspect(&learnt_report, "units ~ unit price");
    let got = trend["score"].as_f64().unwrap();
    assert!((got - (1.0 - (real - generated).abs() / 2.0)).abs() < 1e-6, "units ~ unit price: report {got}, rows {real} vs {generated}");
    assert!((trend["bins"][0]["real"].as_f64().unwrap() - real).abs() < 1e-6);

    // Without --run: every generated row; text for people.
    let all = ws.hr(&["report", "shopify", "--json"]).ok().json();
    let both = aspect(&all["report"], "order subtotal")["generated_rows"].as_u64().unwrap();
    assert_eq!(both, 400);
    let text = ws.hr(&["report", "shopify"]);
    let out = &text.ok().stdout;
    for part in [
        "aspect",
        "rows generated",
        "order subtotal",
        "KSComplement",
        "TVComplement",
        "CorrelationSimilarity",
        "subtotal ~ lines",
        "mean of",
    ] {
        assert!(out.contains(part), "text output lacks {part}:\n{out}");
    }
}

#[test]
fn report_says_what_it_cannot_score() {
    let ws = Workspace::new("report-empty");
    // Nothing generated yet: every aspect is not available, the mean absent.
    let r = ws.hr(&["report", "shopify", "--json"]).ok().json();
    let platform = &r["report"]["platforms"][0];
    assert!(platform["mean"].is_null());
    assert!(
        platform["aspects"].as_array().unwrap().iter().all(|a| a["score"].is_null() && a["note"].as_str().unwrap().contains("no real"))
    );
    // Google Ads too: nothing to compare yet.
    let ads = ws.hr(&["report", "google-ads"]);
    assert!(ads.ok().stdout.contains("nothing to compare"), "{}", ads.stdout);
    let bad = ws.hr(&["report", "shopify", "--run", "abc", "--json"]);
    assert!(bad.failed().json()["error"]["message"].as_str().unwrap().contains("not a run id"));
}

#[test]
fn ads_rates_are_scored_per_campaign_day() {
    let mut ws = Workspace::new("report-ads");
    // Two real campaigns over 30 days: clicks <= impressions, conversions <= clicks.
    ws.execute(&format!(
        "insert into semantic.dm_ads_campaigns_google (tenant_id, campaign_id, date, account_id, campaign_name, campaign_status,
           advertising_channel_type, bidding_strategy_type, currency_code, impressions, clicks, cost_micros, conversions, conversions_value, ctr, average_cpc, roas)
         select '{id}', 1000 + c, date '{AS_OF}' - d, 555, 'Real campaign ' || c, 'ENABLED', (array['SEARCH', 'SHOPPING'])[1 + c % 2],
                'MAXIMIZE_CONVERSIONS', 'USD', imp, clk, clk * 850000, conv, conv * 60, round(clk::numeric / imp, 6), 0.85,
                case when clk > 0 then round(conv * 60 / (clk * 0.85), 6) else 0 end
         from generate_series(1, 2) c, generate_series(0, 29) d,
              lateral (select 1000 + (c * 37 + d * 11) % 500 as imp) i,
              lateral (select imp * (2 + d % 5) / 100 as clk) k,
              lateral (select clk * (d % 4) / 50 as conv) v",
        id = ws.id
    ));
    ws.hr(&["generate", "google-ads", "--count", "30", "--seed", "41", "--as-of", AS_OF]).ok();
    let r = ws.hr(&["report", "google-ads", "--json"]).ok().json();
    let platform = &r["report"]["platforms"][0];
    assert_eq!(platform["platform"], "google-ads");
    let names: Vec<&str> = platform["aspects"].as_array().unwrap().iter().map(|a| a["aspect"].as_str().unwrap()).collect();
    assert_eq!(names, ["click-through rate", "cost per click", "conversion rate", "channel mix"]);
    for a in platform["aspects"].as_array().unwrap() {
        let score = a["score"].as_f64().unwrap_or_else(|| panic!("{a}"));
        assert!((0.0..=1.0).contains(&score), "{a}");
        assert!(a["real_rows"].as_u64().unwrap() > 0 && a["generated_rows"].as_u64().unwrap() > 0, "{a}");
        assert_eq!(a["unit"], "campaign-days");
    }
    // The real side is the 60 inserted campaign-days; their CPC is 0.85 each.
    let cpc = aspect(&r["report"], "cost per click");
    assert_eq!(cpc["real_rows"], 60);
    let bins = cpc["bins"].as_array().unwrap();
    let real: Vec<&Value> = bins.iter().filter(|b| b["real"].as_f64().unwrap() > 0.0).collect();
    assert_eq!(real.len(), 1, "every real campaign-day costs 0.85 a click: {bins:?}");
    assert!((real[0]["real"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    assert!(real[0]["low"].as_f64().unwrap() <= 0.85 && real[0]["high"].as_f64().is_none_or(|h| h >= 0.85), "{}", real[0]);
}

#[test]
fn the_report_is_drawn_as_one_self_contained_page() {
    let mut ws = Workspace::new("report-html");
    ws.load_demo_store();
    ws.hr(&["generate", "shopify", "--count", "60", "--seed", "33", "--as-of", AS_OF]).ok();
    let scores = ws.hr(&["report", "shopify", "--json"]).ok().json();
    let dir = std::env::temp_dir().join(format!("e2e-html-{}", ws.id));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fidelity.html");
    let run = ws.hr(&["report", "shopify", "--html", file.to_str().unwrap()]);
    // The text report stays on stdout; where the page went is said on stderr.
    assert!(run.ok().stdout.contains("mean of"), "{}", run.stdout);
    assert!(run.stderr.contains(file.to_str().unwrap()), "{}", run.stderr);
    let written: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(written, [std::ffi::OsString::from("fidelity.html")], "one file, nothing beside it");
    let page = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    let platform = &scores["report"]["platforms"][0];
    let aspects = platform["aspects"].as_array().unwrap();
    let charted = aspects.iter().filter(|a| !a["bins"].as_array().unwrap().is_empty()).count();
    assert!(charted >= 9, "the demo store gives every aspect but discounts: {platform}");
    assert_eq!(page.matches("<svg class=\"chart\"").count(), charted, "one chart per aspect with rows on both sides");
    assert_eq!(page.matches("<article class=\"card\"").count(), aspects.len());
    for a in aspects {
        let name = a["aspect"].as_str().unwrap();
        assert!(page.contains(&format!("<h3>{name} ")), "no card for {name}");
        if let Some(s) = a["score"].as_f64() {
            assert!(page.contains(&format!("{} <b>{s:.3}</b>", a["metric"].as_str().unwrap())), "{name}'s score {s:.3} is not shown");
        }
    }
    let mean = platform["mean"].as_f64().unwrap();
    assert!(page.contains(&format!("mean score <b>{mean:.3}</b>")));
    // Nothing from elsewhere: no links out, scripts, images, fonts or imports.
    for outside in ["http://", "https://", "<script", "<img", "<link", "@import", "url(", "src="] {
        assert!(!page.contains(outside), "the page refers to {outside}");
    }
    assert!(page.contains("@media print"), "a print stylesheet");
    assert!(!page.contains(&crate::harness::warehouse().service_key));
}
