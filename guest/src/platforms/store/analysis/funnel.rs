//! Funnel: pixel events per purchase across the whole table (page views,
//! add-to-carts, sessions) and per session (what a buying session holds,
//! what a browsing one does), so new sessions come in the workspace's own
//! proportions. An unusual funnel is followed and reported, not clamped.

use serde_json::json;

use crate::error::Result;
use crate::platforms::Query;
use crate::platforms::findings::Analysis;
use crate::platforms::store::analysis::{Probe, first, num};
use crate::platforms::store::inputs::{Funnel, StoreInputs};

const NAME: &str = "funnel";

pub fn analyse(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let sql = &p.sql;
    let Some(events) = p.tables.events else { return Ok(()) };
    let (Some(name), Some(session)) = (sql.col(events, p.f.event_name), sql.col(events, p.f.event_session)) else {
        if sql.plan(events).is_some() {
            out.defaults(NAME, "funnel", json!({}), "no event names or sessions: the design's ratios".into());
        }
        return Ok(());
    };
    // Whole sessions: a hash subset of sessions, not a page sample.
    let q = format!(
        "with s as (select e.{session} as sid, count(*) filter (where e.{name} = 'page_view') as pv, count(*) filter (where e.{name} = 'add_to_cart') as atc, count(*) filter (where e.{name} = 'purchase') as pur from {} e where {} and {} group by 1) \
         select count(*) as sessions, count(*) filter (where pur > 0) as buying, sum(pur) as purchases, sum(pv) as pv, sum(atc) as atc, \
                sum(pv) filter (where pur > 0) as buyer_pv, sum(atc) filter (where pur > 0) as buyer_atc, \
                sum(pv) filter (where pur = 0) as browser_pv, count(*) filter (where pur = 0 and atc > 0) as browser_carting, sum(atc) filter (where pur = 0) as browser_atc from s",
        sql.from(events),
        sql.real(events, "e"),
        sql.subset(events, &format!("e.{session}")),
    );
    let answer = query(&q)?;
    let Some(r) = first(&answer) else { return Ok(()) };
    let g = |k: &str| num(&r[k]).unwrap_or(0.0);
    let (purchases, buying, sessions) = (g("purchases"), g("buying"), g("sessions"));
    let (pv_ratio, atc_ratio) = (g("pv") / purchases.max(1.0), g("atc") / purchases.max(1.0));
    if sessions < 50.0 || purchases < 5.0 || buying < 5.0 {
        let (pv, atc, _) = inputs.funnel.per_purchase();
        out.defaults(
            NAME,
            "funnel",
            json!({"page_views_per_purchase": pv, "add_to_carts_per_purchase": atc}),
            format!("the design's ratios: {pv:.1} page views and {atc:.1} add-to-carts per purchase"),
        );
        return Ok(());
    }
    let browsers = sessions - buying;
    let around = |x: f64| {
        let r = x.round().max(0.0) as u32;
        (r.saturating_sub(1), r + 1)
    };
    inputs.funnel = Funnel {
        buyer_page_views: around(g("buyer_pv") / buying),
        buyer_carts: around(g("buyer_atc") / buying),
        browsers_per_purchase: browsers / purchases,
        browser_page_views: if browsers > 0.0 { (g("browser_pv") / browsers).max(1.0) } else { 1.0 },
        browser_cart_rate: if browsers > 0.0 { g("browser_carting") / browsers } else { 0.0 },
    };
    out.measured(
        NAME,
        "funnel",
        sessions as u64,
        json!({
            "page_views_per_purchase": pv_ratio,
            "add_to_carts_per_purchase": atc_ratio,
            "sessions_per_purchase": sessions / purchases,
            "session_conversion": buying / sessions,
            "buying_session_page_views": g("buyer_pv") / buying,
            "buying_session_add_to_carts": g("buyer_atc") / buying,
        }),
        format!("{pv_ratio:.1} page views and {atc_ratio:.1} add-to-carts per purchase, {:.1}% of sessions buy", buying / sessions * 100.0),
    );
    if !(5.0..=10.0).contains(&pv_ratio) || !(2.0..=4.0).contains(&atc_ratio) {
        out.warn(format!(
            "unusual funnel: {pv_ratio:.1} page views and {atc_ratio:.1} add-to-carts per purchase (the design expects 5-10 and 2-4); new sessions follow the workspace's"
        ));
    }
    Ok(())
}
