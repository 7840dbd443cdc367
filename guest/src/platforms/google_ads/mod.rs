//! Google Ads: five daily report tables over one consistent account
//! (campaign -> ad group -> keywords / ads; search terms under keywords;
//! shopping products under shopping and Performance Max campaigns). Each
//! table's rows are the campaign's daily figures split down the hierarchy,
//! so reports add up across tables and every row keeps the ad identities.
//! Generated with a store, clicks lead to orders (see `platforms::link`).

pub mod copy;
pub mod metrics;
pub mod plan;

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use crate::core::strategy::target;
use crate::core::time::{DAY, start_of_day};
use crate::error::Result;
use crate::fields;
use crate::model::plan::ColumnPlan;
use crate::model::row::{Row, Value};
use crate::model::table::{FieldKind as K, TableSpec};
use crate::platforms::findings::Analysis;
use crate::platforms::google_ads::metrics::{Channel, Metrics};
use crate::platforms::google_ads::plan::{AdsInputs, AdsPlan, Campaign, ExistingCampaign, Extension, History, Measured};
use crate::platforms::link::{AdsSide, Conversions, StoreFacts};
use crate::platforms::store::analysis::{quote, real_rows};
use crate::platforms::store::orders::AdSource;
use crate::platforms::{AnalysisContext, Generation, Platform, Query, Sink};

/// Ad groups have no table; their ids are marked like keys all the same.
const AD_GROUPS: &str = "google_ads_ad_groups";

fields! {
    pub enum CampaignRow {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        CampaignId = "campaign_id" [] K::Key,
        Date = "date" ["segments_date", "day"] K::Date,
        Account = "account_id" ["customer_id"] K::Int,
        Name = "campaign_name" [] K::Text,
        Status = "campaign_status" [] K::Text,
        Channel = "advertising_channel_type" ["channel_type"] K::Text,
        Bidding = "bidding_strategy_type" [] K::Text,
        Budget = "budget_amount_micros" [] K::Int,
        Currency = "currency_code" [] K::Text,
        Impressions = "impressions" [] K::Int,
        Clicks = "clicks" [] K::Int,
        Cost = "cost_micros" [] K::Int,
        Conversions = "conversions" [] K::Int,
        Value = "conversions_value" [] K::Money,
        Ctr = "ctr" [] K::Decimal,
        AverageCpc = "average_cpc" [] K::Money,
        Roas = "roas" [] K::Decimal,
    }
}

fields! {
    pub enum KeywordRow {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        KeywordId = "keyword_id" ["criterion_id"] K::Key,
        Date = "date" ["segments_date", "day"] K::Date,
        CampaignId = "campaign_id" [] K::Ref { owner: "dm_ads_campaigns_google" },
        CampaignName = "campaign_name" [] K::Text,
        AdGroupId = "ad_group_id" [] K::Ref { owner: AD_GROUPS },
        AdGroupName = "ad_group_name" [] K::Text,
        Text = "keyword_text" [] K::Text,
        MatchType = "match_type" [] K::Text,
        Status = "status" [] K::Text,
        Quality = "quality_score" [] K::Int,
        Impressions = "impressions" [] K::Int,
        Clicks = "clicks" [] K::Int,
        Cost = "cost_micros" [] K::Int,
        Conversions = "conversions" [] K::Int,
        Value = "conversions_value" [] K::Money,
        Ctr = "ctr" [] K::Decimal,
        AverageCpc = "average_cpc" [] K::Money,
    }
}

fields! {
    pub enum SearchTermRow {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        KeywordId = "keyword_id" ["criterion_id"] K::Ref { owner: "dm_ads_keywords_google" },
        Term = "search_term" [] K::Text,
        Date = "date" ["segments_date", "day"] K::Date,
        CampaignId = "campaign_id" [] K::Ref { owner: "dm_ads_campaigns_google" },
        AdGroupId = "ad_group_id" [] K::Ref { owner: AD_GROUPS },
        KeywordText = "keyword_text" [] K::Text,
        MatchType = "match_type" [] K::Text,
        TermMatchType = "search_term_match_type" [] K::Text,
        Impressions = "impressions" [] K::Int,
        Clicks = "clicks" [] K::Int,
        Cost = "cost_micros" [] K::Int,
        Conversions = "conversions" [] K::Int,
        Value = "conversions_value" [] K::Money,
    }
}

fields! {
    pub enum CreativeRow {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        AdId = "ad_id" [] K::Key,
        Date = "date" ["segments_date", "day"] K::Date,
        CampaignId = "campaign_id" [] K::Ref { owner: "dm_ads_campaigns_google" },
        AdGroupId = "ad_group_id" [] K::Ref { owner: AD_GROUPS },
        AdType = "ad_type" [] K::Text,
        Status = "status" [] K::Text,
        Headlines = "headlines" [] ?opt K::Json,
        Descriptions = "descriptions" [] ?opt K::Json,
        FinalUrl = "final_url" [] K::Text,
        Impressions = "impressions" [] K::Int,
        Clicks = "clicks" [] K::Int,
        Cost = "cost_micros" [] K::Int,
        Conversions = "conversions" [] K::Int,
        Value = "conversions_value" [] K::Money,
    }
}

fields! {
    pub enum ProductRow {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        CampaignId = "campaign_id" [] K::Ref { owner: "dm_ads_campaigns_google" },
        AdGroupId = "ad_group_id" [] K::Ref { owner: AD_GROUPS },
        ItemId = "product_item_id" ["item_id", "offer_id"] K::Text,
        Date = "date" ["segments_date", "day"] K::Date,
        Title = "product_title" [] K::Text,
        Brand = "product_brand" [] K::Text,
        TypeL1 = "product_type_l1" [] K::Text,
        Merchant = "merchant_center_id" [] K::Int,
        Impressions = "impressions" [] K::Int,
        Clicks = "clicks" [] K::Int,
        Cost = "cost_micros" [] K::Int,
        Conversions = "conversions" [] K::Int,
        Value = "conversions_value" [] K::Money,
    }
}

static CAMPAIGNS: TableSpec =
    TableSpec { name: "dm_ads_campaigns_google", fields: CampaignRow::SPECS, marker: "campaign_id", created: Some("date") };
static KEYWORDS: TableSpec =
    TableSpec { name: "dm_ads_keywords_google", fields: KeywordRow::SPECS, marker: "keyword_id", created: Some("date") };
static SEARCH_TERMS: TableSpec =
    TableSpec { name: "dm_ads_search_terms_google", fields: SearchTermRow::SPECS, marker: "keyword_id", created: Some("date") };
static CREATIVES: TableSpec =
    TableSpec { name: "dm_ads_creatives_google", fields: CreativeRow::SPECS, marker: "ad_id", created: Some("date") };
static PRODUCTS: TableSpec =
    TableSpec { name: "dm_ads_products_google", fields: ProductRow::SPECS, marker: "campaign_id", created: Some("date") };

static TABLE_LIST: [&TableSpec; 5] = [&CAMPAIGNS, &KEYWORDS, &SEARCH_TERMS, &CREATIVES, &PRODUCTS];

pub struct GoogleAds;
pub static GOOGLE_ADS: GoogleAds = GoogleAds;

impl Platform for GoogleAds {
    fn name(&self) -> &'static str {
        "google-ads"
    }

    fn description(&self) -> &'static str {
        "Google Ads: campaign, keyword, search term, ad and shopping product reports by day"
    }

    fn tables(&self) -> &'static [&'static TableSpec] {
        &TABLE_LIST
    }

    fn analyse(&'static self, cx: &AnalysisContext, query: &mut Query) -> Result<Box<dyn Generation>> {
        // The workspace's own campaign-days: earlier runs do not compound.
        let existing = cx.real(&CAMPAIGNS);
        let mut analysis = Analysis::new("google-ads");
        let target = target(cx.strategy, existing, cx.forced, "campaign-days");
        let figures = json!({"real_campaign_days": existing, "campaign_days": target.count, "rule": target.rule});
        if existing > 0 {
            analysis.measured("scale", "run size", existing, figures, target.rule.clone());
        } else {
            analysis.defaults("scale", "run size", figures, target.rule.clone());
        }
        let (mut measured, mut currency, mut account_id) = (BTreeMap::new(), None, None);
        let mut history = None;
        if let Some(plan) = cx.plan(&CAMPAIGNS)
            && existing > 0
        {
            if let Err(e) = measure(cx, plan, query, &mut measured, &mut currency, &mut account_id, &mut analysis) {
                analysis.warn(format!("distribution analysis failed ({}); ad rates use industry benchmarks", e.message));
            }
            match campaigns(cx, plan, query, &mut analysis) {
                Ok(h) => history = h,
                Err(e) => {
                    analysis.warn(format!("campaign analysis failed ({}); new campaigns instead of continuing the workspace's", e.message))
                }
            }
        }
        for channel in Channel::ALL.iter().filter(|c| !measured.contains_key(*c)) {
            let b = channel.benchmarks();
            analysis.defaults(
                "distribution",
                channel.api_name(),
                json!({"ctr": [b.ctr.low, b.ctr.high], "cpc": [b.cpc.low, b.cpc.high], "cvr": [b.cvr.low, b.cvr.high]}),
                format!("{}: benchmarks.md ranges", channel.api_name()),
            );
        }
        let inputs =
            AdsInputs { seed: cx.seed, target_rows: target.count, end: start_of_day(cx.as_of), measured, currency, account_id, history };
        Ok(Box::new(AdsGeneration { inputs, store: None, conversions: None, plan: OnceCell::new(), analysis }))
    }
}

/// CTR, CPC, CVR and impressions per campaign-day, by channel, from the
/// workspace's own campaign rows; figures outside the benchmarks are
/// followed and reported, not clamped.
fn measure(
    cx: &AnalysisContext,
    plan: &ColumnPlan,
    query: &mut Query,
    measured: &mut BTreeMap<Channel, Measured>,
    currency: &mut Option<String>,
    account_id: &mut Option<i64>,
    analysis: &mut Analysis,
) -> Result<()> {
    let col = |f: CampaignRow| plan.column_of(f).map(quote);
    let real = real_rows(plan, "c", cx.workspace);
    if let (Some(channel), Some(impr), Some(clicks), Some(cost), Some(conv)) = (
        col(CampaignRow::Channel),
        col(CampaignRow::Impressions),
        col(CampaignRow::Clicks),
        col(CampaignRow::Cost),
        col(CampaignRow::Conversions),
    ) {
        let sql = format!(
            "select c.{channel} as ch, sum(c.{impr})::float8 as i, sum(c.{clicks})::float8 as k, sum(c.{cost})::float8 as m, sum(c.{conv})::float8 as v, count(*) as n from semantic.{} c where {real} group by 1",
            quote(CAMPAIGNS.name)
        );
        for r in query(&sql)?.as_array().into_iter().flatten() {
            let f = |k: &str| r[k].as_f64().unwrap_or(0.0);
            let Some(ch) = r["ch"].as_str().and_then(Channel::parse) else { continue };
            if f("n") < 14.0 || f("i") <= 0.0 || f("k") <= 0.0 {
                continue;
            }
            let m = Measured { ctr: f("k") / f("i"), cpc: f("m") / f("k") / 1e6, cvr: f("v") / f("k"), daily_impressions: f("i") / f("n") };
            let spend = f("m") / 1e6 / f("n");
            analysis.measured(
                "distribution",
                ch.api_name(),
                f("n") as u64,
                json!({"ctr": m.ctr, "cpc": m.cpc, "cvr": m.cvr, "impressions_per_campaign_day": m.daily_impressions, "spend_per_campaign_day": spend}),
                format!("{}: CTR {:.2}%, CPC {:.2}, CVR {:.2}%, {spend:.2} spent per campaign-day", ch.api_name(), m.ctr * 100.0, m.cpc, m.cvr * 100.0),
            );
            let b = ch.benchmarks();
            for (what, x, r) in [("CTR", m.ctr, b.ctr), ("CPC", m.cpc, b.cpc), ("CVR", m.cvr, b.cvr)] {
                if !r.contains(x) {
                    analysis.warn(format!(
                        "{} {what} {x:.4} is outside the benchmark range {:.4}-{:.4}; generated rows follow the workspace",
                        ch.api_name(),
                        r.low,
                        r.high
                    ));
                }
            }
            measured.insert(ch, m);
        }
    }
    // Scale and time: campaign-day rows, campaigns, the days they cover.
    if let Some(date) = col(CampaignRow::Date) {
        let campaign = quote(&plan.marker_column);
        let sql = format!(
            "select count(*) as n, count(distinct c.{campaign}) as campaigns, min(c.{date})::text as first, max(c.{date})::text as last from semantic.{} c where {real}",
            quote(CAMPAIGNS.name)
        );
        if let Some(r) = query(&sql)?.as_array().and_then(|a| a.first().cloned()) {
            let n = r["n"].as_u64().unwrap_or(0);
            analysis.measured(
                "scale",
                "campaign days",
                n,
                json!({"rows": n, "campaigns": r["campaigns"]}),
                format!("{n} campaign-day rows over {} campaigns", r["campaigns"]),
            );
            analysis.measured(
                "time",
                "period",
                n,
                json!({"first": r["first"], "last": r["last"]}),
                format!("from {} to {}", r["first"].as_str().unwrap_or("?"), r["last"].as_str().unwrap_or("?")),
            );
        }
    }
    if let (Some(cur), Some(acc)) = (col(CampaignRow::Currency), col(CampaignRow::Account)) {
        let sql = format!("select c.{cur} as currency, c.{acc} as account from semantic.{} c where {real} limit 1", quote(CAMPAIGNS.name));
        if let Some(r) = query(&sql)?.as_array().and_then(|a| a.first().cloned()) {
            *currency = r["currency"].as_str().map(str::to_string);
            *account_id = r["account"].as_i64();
        }
    }
    Ok(())
}

/// The workspace's campaigns, each with its own figures: the ones still
/// running at the end of the history continue (see `plan::AdsPlan`).
fn campaigns(cx: &AnalysisContext, plan: &ColumnPlan, query: &mut Query, analysis: &mut Analysis) -> Result<Option<History>> {
    let col = |f: CampaignRow| plan.column_of(f).map(quote);
    let (Some(date), Some(name), Some(channel), Some(impr), Some(clicks), Some(cost), Some(conv)) = (
        col(CampaignRow::Date),
        col(CampaignRow::Name),
        col(CampaignRow::Channel),
        col(CampaignRow::Impressions),
        col(CampaignRow::Clicks),
        col(CampaignRow::Cost),
        col(CampaignRow::Conversions),
    ) else {
        return Ok(None);
    };
    let opt = |f: CampaignRow| col(f).map_or("null".to_string(), |c| format!("c.{c}"));
    let sql = format!(
        "select c.{key} as id, max(c.{name})::text as name, max(c.{channel})::text as channel, max({bidding})::text as bidding, max({budget})::float8 as budget, \
           count(*) as days, sum(c.{impr})::float8 as i, sum(c.{clicks})::float8 as k, sum(c.{cost})::float8 as m, sum(c.{conv})::float8 as v, \
           (min(c.{date}) - date '1970-01-01') as first, (max(c.{date}) - date '1970-01-01') as last \
         from semantic.{} c where {} group by c.{key} order by max(c.{date}) desc, count(*) desc limit {MAX_CAMPAIGNS}",
        quote(CAMPAIGNS.name),
        real_rows(plan, "c", cx.workspace),
        key = quote(&plan.marker_column),
        bidding = opt(CampaignRow::Bidding),
        budget = opt(CampaignRow::Budget),
    );
    let answer = query(&sql)?;
    let rows: Vec<&serde_json::Value> = answer.as_array().into_iter().flatten().collect();
    let f = |r: &serde_json::Value, k: &str| r[k].as_f64().or_else(|| r[k].as_str().and_then(|s| s.parse().ok())).unwrap_or(0.0);
    let Some(last) = rows.iter().map(|r| f(r, "last") as i64).max() else { return Ok(None) };
    let first = rows.iter().map(|r| f(r, "first") as i64).min().unwrap_or(last);
    // Running at the history's end: a row in its last week.
    let running: Vec<ExistingCampaign> = rows
        .iter()
        .filter(|r| f(r, "last") as i64 >= last - 7)
        .filter_map(|r| {
            let (days, i, k) = (f(r, "days").max(1.0), f(r, "i"), f(r, "k"));
            Some(ExistingCampaign {
                name: r["name"].as_str()?.to_string(),
                channel: r["channel"].as_str().and_then(Channel::parse)?,
                bidding: r["bidding"].as_str().map(str::to_string),
                budget_micros: (f(r, "budget") > 0.0).then(|| f(r, "budget") as i64),
                measured: (i > 0.0 && k > 0.0).then(|| Measured {
                    ctr: k / i,
                    cpc: f(r, "m") / k / 1e6,
                    cvr: f(r, "v") / k,
                    daily_impressions: i / days,
                }),
            })
        })
        .collect();
    analysis.measured(
        "time",
        "campaign history",
        rows.len() as u64,
        json!({"campaigns": rows.len(), "running_at_end": running.len(), "first_day": first, "last_day": last}),
        format!(
            "{} campaigns from {} to {}, {} running at the end",
            rows.len(),
            crate::core::time::format_timestamp(first * DAY).get(..10).unwrap_or("?"),
            crate::core::time::format_timestamp(last * DAY).get(..10).unwrap_or("?"),
            running.len()
        ),
    );
    Ok(Some(History { first_day: first, last_day: last, campaigns: rows.len(), running }))
}

/// Campaigns read at most.
const MAX_CAMPAIGNS: u32 = 200;

pub struct AdsGeneration {
    inputs: AdsInputs,
    store: Option<StoreFacts>,
    conversions: Option<Conversions>,
    plan: OnceCell<AdsPlan>,
    analysis: Analysis,
}

impl AdsGeneration {
    fn plan(&self) -> &AdsPlan {
        self.plan.get_or_init(|| {
            let mut plan = AdsPlan::new(&self.inputs, self.store.as_ref());
            if let Some(c) = &self.conversions {
                plan.add_conversions(c);
            }
            plan
        })
    }

    fn days(c: &Campaign) -> std::ops::Range<i64> {
        c.first_day..c.last_day
    }
}

fn set_metrics<F: Copy + Into<usize>>(row: &mut Row, m: &Metrics, fields: [F; 5]) {
    row.set(fields[0], Value::Int(m.impressions as i64))
        .set(fields[1], Value::Int(m.clicks as i64))
        .set(fields[2], Value::Int(m.cost_micros()))
        .set(fields[3], Value::Int(m.conversions as i64))
        .set(fields[4], Value::Money(m.value));
}

fn json_list(items: &[String]) -> Value {
    if items.is_empty() { Value::Null } else { Value::Json(serde_json::to_string(items).expect("strings serialise")) }
}

impl Generation for AdsGeneration {
    fn describe(&self) -> String {
        let p = self.plan();
        let how = match p.extension {
            Extension::Fresh => "",
            Extension::Continued => " (the workspace's running campaigns, on new days after its history)",
            Extension::Alongside => " (as many as the workspace runs, beside its history, which reaches as-of)",
        };
        format!(
            "google-ads: {}; generating {} campaigns{how} over {} days ({} to {}) in {}",
            self.analysis.headline(),
            p.campaigns.len(),
            p.period.days(),
            crate::core::time::format_timestamp(p.period.start),
            crate::core::time::format_timestamp(p.period.end),
            p.currency
        )
    }

    fn analysis(&self) -> Analysis {
        self.analysis.clone()
    }

    fn estimate(&self, table: &TableSpec) -> u64 {
        let p = self.plan();
        let per_day = |c: &Campaign| -> u64 {
            match table.name {
                n if n == CAMPAIGNS.name => 1,
                n if n == KEYWORDS.name => c.ad_groups.iter().map(|g| g.keywords.len() as u64).sum(),
                n if n == SEARCH_TERMS.name => c.ad_groups.iter().flat_map(|g| &g.keywords).map(|k| k.terms.len() as u64).sum(),
                n if n == CREATIVES.name => c.ad_groups.iter().map(|g| g.ads.len() as u64).sum(),
                _ => c.ad_groups.iter().map(|g| g.products.len() as u64).sum(),
            }
        };
        p.campaigns.iter().map(|c| per_day(c) * c.days()).sum()
    }

    fn stream(&self, table: &TableSpec, sink: &mut Sink) -> Result<()> {
        let p = self.plan();
        let mut row = Row::new(table.fields.len());
        for c in &p.campaigns {
            for day in Self::days(c) {
                let Some(m) = p.campaign_day(c, day) else { continue };
                let date = Value::Date(day * DAY);
                if std::ptr::eq(table, &CAMPAIGNS) {
                    row.clear();
                    row.set(CampaignRow::CampaignId, Value::NewKey(c.seq))
                        .set(CampaignRow::Date, date.clone())
                        .set(CampaignRow::Account, Value::Int(p.account_id))
                        .set(CampaignRow::Name, c.name.clone())
                        .set(CampaignRow::Status, c.status.api_name())
                        .set(CampaignRow::Channel, c.channel.api_name())
                        .set(CampaignRow::Bidding, c.bidding)
                        .set(CampaignRow::Budget, Value::Int(c.budget_micros))
                        .set(CampaignRow::Currency, p.currency.clone())
                        .set(CampaignRow::Ctr, Value::Decimal(m.ctr()))
                        .set(CampaignRow::AverageCpc, Value::Money(m.average_cpc_cents()))
                        .set(CampaignRow::Roas, Value::Decimal(m.roas()));
                    use CampaignRow as F;
                    set_metrics(&mut row, &m, [F::Impressions, F::Clicks, F::Cost, F::Conversions, F::Value]);
                    sink(&row)?;
                    continue;
                }
                let groups = m.split(&c.ad_groups.iter().map(|g| g.weight).collect::<Vec<_>>());
                for (g, gm) in c.ad_groups.iter().zip(&groups) {
                    if std::ptr::eq(table, &KEYWORDS) || std::ptr::eq(table, &SEARCH_TERMS) {
                        if g.keywords.is_empty() {
                            continue;
                        }
                        let parts = gm.split(&g.keywords.iter().map(|k| k.weight).collect::<Vec<_>>());
                        for (k, km) in g.keywords.iter().zip(&parts) {
                            if km.impressions == 0 {
                                continue;
                            }
                            if std::ptr::eq(table, &KEYWORDS) {
                                row.clear();
                                row.set(KeywordRow::KeywordId, Value::NewKey(k.seq))
                                    .set(KeywordRow::Date, date.clone())
                                    .set(KeywordRow::CampaignId, Value::NewKey(c.seq))
                                    .set(KeywordRow::CampaignName, c.name.clone())
                                    .set(KeywordRow::AdGroupId, Value::NewKey(g.seq))
                                    .set(KeywordRow::AdGroupName, g.name.clone())
                                    .set(KeywordRow::Text, k.text.clone())
                                    .set(KeywordRow::MatchType, k.match_type.api_name())
                                    .set(KeywordRow::Status, k.status.api_name())
                                    .set(KeywordRow::Quality, Value::Int(i64::from(k.quality)))
                                    .set(KeywordRow::Ctr, Value::Decimal(km.ctr()))
                                    .set(KeywordRow::AverageCpc, Value::Money(km.average_cpc_cents()));
                                use KeywordRow as F;
                                set_metrics(&mut row, km, [F::Impressions, F::Clicks, F::Cost, F::Conversions, F::Value]);
                                sink(&row)?;
                                continue;
                            }
                            let terms = km.split(&k.terms.iter().map(|t| t.2).collect::<Vec<_>>());
                            for ((term, kind, _), tm) in k.terms.iter().zip(&terms) {
                                if tm.impressions == 0 {
                                    continue;
                                }
                                row.clear();
                                row.set(SearchTermRow::KeywordId, Value::NewKey(k.seq))
                                    .set(SearchTermRow::Term, term.clone())
                                    .set(SearchTermRow::Date, date.clone())
                                    .set(SearchTermRow::CampaignId, Value::NewKey(c.seq))
                                    .set(SearchTermRow::AdGroupId, Value::NewKey(g.seq))
                                    .set(SearchTermRow::KeywordText, k.text.clone())
                                    .set(SearchTermRow::MatchType, k.match_type.api_name())
                                    .set(SearchTermRow::TermMatchType, *kind);
                                use SearchTermRow as F;
                                set_metrics(&mut row, tm, [F::Impressions, F::Clicks, F::Cost, F::Conversions, F::Value]);
                                sink(&row)?;
                            }
                        }
                    } else if std::ptr::eq(table, &CREATIVES) {
                        if g.ads.is_empty() {
                            continue;
                        }
                        let parts = gm.split(&g.ads.iter().map(|a| a.weight).collect::<Vec<_>>());
                        for (a, am) in g.ads.iter().zip(&parts) {
                            if am.impressions == 0 {
                                continue;
                            }
                            row.clear();
                            row.set(CreativeRow::AdId, Value::NewKey(a.seq))
                                .set(CreativeRow::Date, date.clone())
                                .set(CreativeRow::CampaignId, Value::NewKey(c.seq))
                                .set(CreativeRow::AdGroupId, Value::NewKey(g.seq))
                                .set(CreativeRow::AdType, a.ad_type)
                                .set(CreativeRow::Status, a.status.api_name())
                                .set(CreativeRow::Headlines, json_list(&a.headlines))
                                .set(CreativeRow::Descriptions, json_list(&a.descriptions))
                                .set(CreativeRow::FinalUrl, a.final_url.clone());
                            use CreativeRow as F;
                            set_metrics(&mut row, am, [F::Impressions, F::Clicks, F::Cost, F::Conversions, F::Value]);
                            sink(&row)?;
                        }
                    } else if std::ptr::eq(table, &PRODUCTS) {
                        if g.products.is_empty() {
                            continue;
                        }
                        let parts = gm.split(&g.products.iter().map(|i| p.products[*i].weight).collect::<Vec<_>>());
                        for (i, pm) in g.products.iter().zip(&parts) {
                            if pm.impressions == 0 {
                                continue;
                            }
                            let product = &p.products[*i];
                            row.clear();
                            row.set(ProductRow::CampaignId, Value::NewKey(c.seq))
                                .set(ProductRow::AdGroupId, Value::NewKey(g.seq))
                                .set(ProductRow::ItemId, product.item_id.clone())
                                .set(ProductRow::Date, date.clone())
                                .set(ProductRow::Title, product.title.clone())
                                .set(ProductRow::Brand, product.brand.clone())
                                .set(ProductRow::TypeL1, product.type_l1.clone())
                                .set(ProductRow::Merchant, Value::Int(p.merchant_id));
                            use ProductRow as F;
                            set_metrics(&mut row, pm, [F::Impressions, F::Clicks, F::Cost, F::Conversions, F::Value]);
                            sink(&row)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn as_ads(&mut self) -> Option<&mut dyn AdsSide> {
        Some(self)
    }

    fn is_ads(&self) -> bool {
        true
    }
}

impl AdsSide for AdsGeneration {
    fn use_store(&mut self, store: StoreFacts) {
        if self.store.is_none() {
            self.store = Some(store);
            self.plan = OnceCell::new();
        }
    }

    fn clicks(&self, store: u32) -> Arc<dyn AdSource> {
        self.plan().clicks(store)
    }

    fn add_conversions(&mut self, conversions: &Conversions) {
        self.conversions = Some(conversions.clone());
        if let Some(plan) = self.plan.get_mut() {
            plan.add_conversions(conversions);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::Value as J;

    use super::*;
    use crate::platforms::testkit;

    fn n(v: &J) -> i64 {
        v.as_i64().unwrap_or_else(|| v.as_f64().map(|f| f.round() as i64).unwrap_or(0))
    }

    #[test]
    fn every_row_keeps_the_ad_identities_and_reports_add_up() {
        let plans = testkit::plans(&GOOGLE_ADS, "bigint");
        let g = testkit::generation(&GOOGLE_ADS, 2, 500, &plans);
        let t = testkit::rows(&GOOGLE_ADS, g.as_ref(), &plans);
        for table in TABLE_LIST.iter().map(|s| s.name) {
            assert!(!t[table].is_empty(), "{table} has rows");
            for r in &t[table] {
                let (i, c, cost, conv) = (n(&r["impressions"]), n(&r["clicks"]), n(&r["cost_micros"]), n(&r["conversions"]));
                assert!(c <= i && conv <= c && cost >= 0 && (c > 0 || cost == 0), "{table}: {r}");
                assert_eq!(cost % 10_000, 0, "whole cents");
                if c > 0 {
                    assert_eq!(cost % c, 0, "cost = clicks x CPC: {r}");
                }
            }
        }
        // Keywords add up to their (search) campaigns, day by day.
        let mut by_campaign_day: HashMap<(i64, String), (i64, i64, i64)> = HashMap::new();
        for r in &t["dm_ads_keywords_google"] {
            let e = by_campaign_day.entry((n(&r["campaign_id"]), r["date"].as_str().unwrap().to_string())).or_default();
            e.0 += n(&r["impressions"]);
            e.1 += n(&r["clicks"]);
            e.2 += n(&r["cost_micros"]);
        }
        for r in t["dm_ads_campaigns_google"].iter().filter(|r| r["advertising_channel_type"] == "SEARCH") {
            let key = (n(&r["campaign_id"]), r["date"].as_str().unwrap().to_string());
            let (i, c, cost) = by_campaign_day.get(&key).copied().unwrap_or_default();
            assert_eq!((i, c, cost), (n(&r["impressions"]), n(&r["clicks"]), n(&r["cost_micros"])), "{key:?}");
            let roas = r["roas"].as_f64().unwrap();
            let expected = if n(&r["cost_micros"]) == 0 {
                0.0
            } else {
                r["conversions_value"].as_f64().unwrap() / (n(&r["cost_micros"]) as f64 / 1e6)
            };
            assert!((roas - expected).abs() < 1e-4, "{roas} vs {expected}");
        }
        for r in &t["dm_ads_keywords_google"] {
            assert!((1..=10).contains(&n(&r["quality_score"])));
        }
        for r in &t["dm_ads_creatives_google"] {
            for h in r["headlines"].as_array().into_iter().flatten() {
                assert!(h.as_str().unwrap().chars().count() <= 30);
            }
            for d in r["descriptions"].as_array().into_iter().flatten() {
                assert!(d.as_str().unwrap().chars().count() <= 90);
            }
        }
    }
}
