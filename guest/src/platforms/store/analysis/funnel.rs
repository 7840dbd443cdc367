//! Funnel: pixel events per purchase across the whole table (page views,
//! add-to-carts, sessions) and per session (what a buying session holds,
//! what a browsing one does), so new sessions come in the workspace's own
//! proportions. An unusual funnel is followed and reported, not clamped.

use serde_json::json;

use crate::core::stats::Percentiles;
use crate::error::Result;
use crate::platforms::Query;
use crate::platforms::findings::Analysis;
use crate::platforms::store::analysis::{Probe, first, num, percentile_array};
use crate::platforms::store::inputs::{Funnel, StoreInputs};

const NAME: &str = "funnel";
/// Where the leads of buying sessions are read.
const LEAD_POINTS: [f64; 9] = [0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95];

/// Seconds from a session's first event to its purchase, as quantiles; at
/// least a minute (a purchase is never the first thing).
fn lead(v: &serde_json::Value) -> Option<Percentiles> {
    let values: Vec<f64> = v.as_array()?.iter().filter_map(num).collect();
    if values.len() != LEAD_POINTS.len() {
        return None;
    }
    let points: Vec<(f64, f64)> = LEAD_POINTS.iter().copied().zip(values.iter().map(|x| x.max(60.0))).collect();
    Percentiles::new(points.clone(), 60.0).or_else(|| Percentiles::new(vec![(0.05, points[0].1), (0.95, points[0].1 + 1.0)], 60.0))
}

pub fn analyse(p: &Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let sql = &p.sql;
    let Some(events) = p.tables.events else { return Ok(()) };
    let (Some(name), Some(session)) = (sql.col(events, p.f.event_name), sql.col(events, p.f.event_session)) else {
        if sql.plan(events).is_some() {
            out.defaults(NAME, "funnel", json!({}), "no event names or sessions: the design's ratios".into());
        }
        return Ok(());
    };
    // How long before its purchase a buying session's first page view and
    // first add-to-cart came, where events have times.
    let (leads, lead_figures) = match sql.col(events, p.f.event_time) {
        Some(time) => (
            format!(
                ", extract(epoch from max(e.{time}) filter (where e.{name} = 'purchase') - min(e.{time}) filter (where e.{name} = 'page_view')) as vlead, \
                 extract(epoch from max(e.{time}) filter (where e.{name} = 'purchase') - min(e.{time}) filter (where e.{name} = 'add_to_cart')) as clead"
            ),
            format!(
                ", percentile_cont({lp}) within group (order by vlead) filter (where pur > 0 and vlead >= 0) as vlead, \
                 percentile_cont({lp}) within group (order by clead) filter (where pur > 0 and clead >= 0) as clead",
                lp = percentile_array(&LEAD_POINTS)
            ),
        ),
        None => (String::new(), ", null as vlead, null as clead".to_string()),
    };
    // Whole sessions: a hash subset of sessions, not a page sample.
    let q = format!(
        "with s as (select e.{session} as sid, count(*) filter (where e.{name} = 'page_view') as pv, count(*) filter (where e.{name} = 'add_to_cart') as atc, count(*) filter (where e.{name} = 'purchase') as pur{leads} from {} e where {} and {} group by 1) \
         select count(*) as sessions, count(*) filter (where pur > 0) as buying, sum(pur) as purchases, sum(pv) as pv, sum(atc) as atc, \
                sum(pv) filter (where pur > 0) as buyer_pv, sum(atc) filter (where pur > 0) as buyer_atc, \
                sum(pv) filter (where pur = 0) as browser_pv, count(*) filter (where pur = 0 and atc > 0) as browser_carting, sum(atc) filter (where pur = 0) as browser_atc{lead_figures} from s",
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
        view_lead: lead(&r["vlead"]),
        cart_lead: lead(&r["clead"]),
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
            "first_view_minutes_before_purchase": inputs.funnel.view_lead.as_ref().map(|q| q.median() / 60.0),
            "first_cart_minutes_before_purchase": inputs.funnel.cart_lead.as_ref().map(|q| q.median() / 60.0),
        }),
        format!(
            "{pv_ratio:.1} page views and {atc_ratio:.1} add-to-carts per purchase, {:.1}% of sessions buy{}",
            buying / sessions * 100.0,
            inputs
                .funnel
                .view_lead
                .as_ref()
                .map_or(String::new(), |q| format!("; a buying session starts {} before its purchase (median)", duration(q.median())))
        ),
    );
    if !(5.0..=10.0).contains(&pv_ratio) || !(2.0..=4.0).contains(&atc_ratio) {
        out.warn(format!(
            "unusual funnel: {pv_ratio:.1} page views and {atc_ratio:.1} add-to-carts per purchase (the design expects 5-10 and 2-4); new sessions follow the workspace's"
        ));
    }
    Ok(())
}

/// Seconds as people say them: "45 min", "3.5 h", "2.1 days".
fn duration(secs: f64) -> String {
    if secs < 5400.0 {
        format!("{:.0} min", secs / 60.0)
    } else if secs < 2.0 * 86_400.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{:.1} days", secs / 86_400.0)
    }
}
