//! The account: campaigns with their channel, status and rates, ad groups,
//! keywords with their search terms, ads, and the products shopping
//! campaigns advertise. Bounded (at most 200 campaigns), built once; the
//! daily figures are computed from it on demand.

use std::collections::BTreeMap;
use std::sync::Arc;

use fake::Fake;
use fake::faker::company::en::CompanyName;
use rand::RngExt;

use crate::core::money::Cents;
use crate::core::rng::{Domain, mix, stream, stream2, unit};
use crate::core::stats::Weighted;
use crate::core::time::{DAY, HOUR, Period, Seconds, WeeklyShape, local_hour_weekday, time_zone};
use crate::platforms::google_ads::copy::{MatchType, ad_copy, keyword_texts, search_terms};
use crate::platforms::google_ads::metrics::{Benchmarks, Channel, Metrics, Range};
use crate::platforms::link::{Conversions, StoreFacts};
use crate::platforms::store::orders::{AdClick, AdSource};
use crate::platforms::store::shop::slug;
use crate::platforms::store::taxonomy::VERTICALS;

/// What an ads generation starts from.
#[derive(Clone, Debug)]
pub struct AdsInputs {
    pub seed: u64,
    /// Campaign-day rows to aim for.
    pub target_rows: u64,
    pub end: Seconds,
    /// Rates measured in the workspace, by channel.
    pub measured: BTreeMap<Channel, Measured>,
    pub currency: Option<String>,
    pub account_id: Option<i64>,
    /// The workspace's campaign history, where it has one.
    pub history: Option<History>,
}

/// What the workspace's campaigns show: their days and the ones running
/// at the end.
#[derive(Clone, Debug)]
pub struct History {
    /// Days since 1970-01-01 of the first and last campaign-day.
    pub first_day: i64,
    pub last_day: i64,
    /// Campaigns over the whole history.
    pub campaigns: usize,
    pub running: Vec<ExistingCampaign>,
}

/// A campaign of the workspace, as a continuation copies it.
#[derive(Clone, Debug)]
pub struct ExistingCampaign {
    pub name: String,
    pub channel: Channel,
    pub bidding: Option<String>,
    pub budget_micros: Option<i64>,
    /// Its own rates and impressions per day.
    pub measured: Option<Measured>,
}

/// How a smart run extends a workspace's campaigns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extension {
    /// No history: an account of its own.
    Fresh,
    /// The running campaigns (their names, channels, bidding, budgets and
    /// rates) go on for new days after the history.
    Continued,
    /// The history reaches as-of: as many campaigns, of the same channels,
    /// over its last days.
    Alongside,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Enabled,
    Paused,
    Removed,
}

impl Status {
    pub fn api_name(self) -> &'static str {
        match self {
            Status::Enabled => "ENABLED",
            Status::Paused => "PAUSED",
            Status::Removed => "REMOVED",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Keyword {
    pub seq: u64,
    pub text: String,
    pub match_type: MatchType,
    pub status: Status,
    pub quality: u8,
    pub weight: f64,
    /// (search term, search-term match type, weight).
    pub terms: Vec<(String, &'static str, f64)>,
}

#[derive(Clone, Debug)]
pub struct Ad {
    pub seq: u64,
    pub ad_type: &'static str,
    pub status: Status,
    pub headlines: Vec<String>,
    pub descriptions: Vec<String>,
    pub final_url: String,
    pub weight: f64,
}

#[derive(Clone, Debug)]
pub struct AdGroup {
    pub seq: u64,
    pub name: String,
    pub weight: f64,
    pub keywords: Vec<Keyword>,
    pub ads: Vec<Ad>,
    /// Indices into the account's products (shopping and Performance Max).
    pub products: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Campaign {
    pub index: u32,
    pub seq: u64,
    pub name: String,
    pub channel: Channel,
    pub status: Status,
    pub bidding: &'static str,
    pub budget_micros: i64,
    /// The workspace's own budget, which a continued campaign keeps.
    pub kept_budget: bool,
    /// Days (since the epoch) it ran: [first, last).
    pub first_day: i64,
    pub last_day: i64,
    pub ctr: f64,
    /// Cost per click, in cents.
    pub cpc_cents: i64,
    pub cvr: f64,
    pub daily_impressions: f64,
    pub ad_groups: Vec<AdGroup>,
}

impl Campaign {
    pub fn runs_on(&self, day: i64) -> bool {
        day >= self.first_day && day < self.last_day
    }

    pub fn days(&self) -> u64 {
        (self.last_day - self.first_day).max(0) as u64
    }
}

#[derive(Clone, Debug)]
pub struct Product {
    pub item_id: String,
    pub title: String,
    pub brand: String,
    pub type_l1: String,
    pub weight: f64,
}

#[derive(Clone, Debug)]
pub struct AdsPlan {
    pub seed: u64,
    pub account_id: i64,
    pub merchant_id: i64,
    pub currency: String,
    pub period: Period,
    pub campaigns: Vec<Campaign>,
    pub products: Vec<Product>,
    pub shape: WeeklyShape,
    pub timezone: String,
    /// Value of a conversion when no store says (cents).
    pub average_order: Cents,
    /// Attributed orders by (campaign, day), when linked to stores.
    pub conversions: Option<Conversions>,
    pub extension: Extension,
}

/// The first channels of every account, so that even a small one fills
/// every report: search (keywords, search terms, ads), shopping (products).
const FIRST_CHANNELS: [Channel; 5] = [Channel::Search, Channel::Shopping, Channel::PerformanceMax, Channel::Search, Channel::Display];

/// Google Ads' bidding strategies by name: the workspace's own words for a
/// continued campaign.
fn bidding_named(name: &str) -> Option<&'static str> {
    const KNOWN: [&str; 9] = [
        "MANUAL_CPC",
        "MAXIMIZE_CONVERSIONS",
        "MAXIMIZE_CONVERSION_VALUE",
        "TARGET_CPA",
        "TARGET_ROAS",
        "TARGET_SPEND",
        "MAXIMIZE_CLICKS",
        "TARGET_IMPRESSION_SHARE",
        "ENHANCED_CPC",
    ];
    KNOWN.into_iter().find(|k| k.eq_ignore_ascii_case(name.trim()))
}

fn pick_range<R: RngExt>(rng: &mut R, r: Range) -> f64 {
    rng.random_range(r.low..=r.high)
}

impl AdsPlan {
    pub fn new(inputs: &AdsInputs, store: Option<&StoreFacts>) -> AdsPlan {
        let seed = inputs.seed;
        let mut rng = stream(seed, Domain::Ads, 0);
        let running = inputs.history.as_ref().map_or(&[][..], |h| &h.running[..]);
        let end_day = inputs.end.div_euclid(DAY);
        // The workspace's campaigns: as many as it runs, on new days after
        // its history when they fit before as-of, else alongside it.
        let (period, n_campaigns, extension) = match (store.and_then(|s| s.period), inputs.history.as_ref()) {
            // With a store: cover its orders and the 30 days of clicks before them.
            (Some(p), _) => {
                let period = Period { start: p.start - 30 * DAY, end: p.end };
                let n = if running.is_empty() { inputs.target_rows.div_ceil(period.days().max(1) as u64) } else { running.len() as u64 };
                (period, n.clamp(2, 200) as usize, Extension::Fresh)
            }
            (None, Some(h)) if !running.is_empty() => {
                let n = running.len().min(200);
                let days = inputs.target_rows.div_ceil(n as u64).clamp(1, 730) as i64;
                if h.last_day + days < end_day {
                    (Period { start: (h.last_day + 1) * DAY, end: (h.last_day + 1 + days) * DAY }, n, Extension::Continued)
                } else {
                    (Period { start: (end_day - days) * DAY, end: end_day * DAY }, n, Extension::Alongside)
                }
            }
            _ => {
                let campaigns = ((inputs.target_rows as f64 / 8.0).sqrt().ceil() as u64).clamp(2, 200);
                let days = inputs.target_rows.div_ceil(campaigns).clamp(5, 730) as i64;
                let period = Period { start: inputs.end - days * DAY, end: inputs.end };
                (period, inputs.target_rows.div_ceil(period.days().max(1) as u64).clamp(2, 200) as usize, Extension::Fresh)
            }
        };
        let vertical = store.map_or_else(|| rng.random_range(0..VERTICALS.len()), |s| s.vertical);
        let shop_name = store.map_or_else(|| CompanyName().fake_with_rng(&mut rng), |s| s.shop_name.clone());
        let domain = store.map_or_else(|| format!("{}.com", slug(&shop_name)), |s| s.domain.clone());
        let currency = store.map(|s| s.currency.clone()).or_else(|| inputs.currency.clone()).unwrap_or_else(|| "USD".into());
        let products = products(seed, store, vertical);
        let first_day = period.start.div_euclid(DAY);
        let last_day = period.end.div_euclid(DAY);
        let mut next_group = 0u64;
        let mut next_keyword = 0u64;
        let mut next_ad = 0u64;
        let statuses = Weighted::new(&[(Status::Enabled, 0.75), (Status::Paused, 0.20), (Status::Removed, 0.05)]);
        let campaigns = (0..n_campaigns)
            .map(|i| {
                let mut rng = stream(seed, Domain::Ads, 1 + i as u64);
                let template = running.get(i).filter(|_| extension != Extension::Fresh);
                let channel = template
                    .map(|t| t.channel)
                    .or_else(|| FIRST_CHANNELS.get(i).copied())
                    .unwrap_or_else(|| FIRST_CHANNELS[rng.random_range(0..FIRST_CHANNELS.len())]);
                // The first of each channel stays on, so every report has
                // rows; the workspace's running campaigns run on.
                let status = if i < 2 || template.is_some() { Status::Enabled } else { statuses.pick(&mut rng) };
                let span = last_day - first_day;
                let start = if i >= 2 && template.is_none() && rng.random_bool(0.2) {
                    first_day + rng.random_range(0..span / 2 + 1)
                } else {
                    first_day
                };
                let stop = match status {
                    Status::Enabled => last_day,
                    Status::Paused => (start + ((last_day - start) as f64 * rng.random_range(0.4..0.9)) as i64).max(start + 1),
                    Status::Removed => (start + ((last_day - start) as f64 * rng.random_range(0.2..0.6)) as i64).max(start + 1),
                };
                let bench = rates(channel, template.and_then(|t| t.measured).or_else(|| inputs.measured.get(&channel).copied()));
                let cpc_cents = (pick_range(&mut rng, bench.cpc) * 100.0).round().max(1.0) as i64;
                let name = match template {
                    Some(t) if extension == Extension::Continued => t.name.clone(),
                    _ => campaign_name(channel, vertical, i, &mut rng),
                };
                let mut ad_groups = Vec::new();
                let vertical_types = VERTICALS[vertical].types;
                for g in 0..rng.random_range(2..=4usize) {
                    let ptype = &vertical_types[(i + g) % vertical_types.len()];
                    let seq = next_group;
                    next_group += 1;
                    let mut group = AdGroup {
                        seq,
                        name: format!("{} - {}", ptype.name, ["Core", "Prospecting", "Generic", "Best Sellers"][g % 4]),
                        weight: rng.random_range(0.5..2.0),
                        keywords: Vec::new(),
                        ads: Vec::new(),
                        products: Vec::new(),
                    };
                    if channel == Channel::Search {
                        let wanted = rng.random_range(4..=10);
                        for text in keyword_texts(ptype, &shop_name, &mut rng, wanted) {
                            let match_type = [MatchType::Exact, MatchType::Phrase, MatchType::Broad][rng.random_range(0..3)];
                            let terms = search_terms(&text, match_type, &mut rng)
                                .into_iter()
                                .map(|(t, k)| (t, k, rng.random_range(0.2..1.0)))
                                .collect();
                            let kw_status = match rng.random_range(0..100) {
                                0..90 => Status::Enabled,
                                90..98 => Status::Paused,
                                _ => Status::Removed,
                            };
                            group.keywords.push(Keyword {
                                seq: next_keyword,
                                text,
                                match_type,
                                status: kw_status,
                                quality: quality_score(&mut rng),
                                weight: if kw_status == Status::Enabled { rng.random_range(0.1..3.0) } else { 0.0 },
                                terms,
                            });
                            next_keyword += 1;
                        }
                        if group.keywords.iter().all(|k| k.weight == 0.0) {
                            group.keywords[0].status = Status::Enabled;
                            group.keywords[0].weight = 1.0;
                        }
                    }
                    let ad_type = match channel {
                        Channel::Search => Some("RESPONSIVE_SEARCH_AD"),
                        Channel::Display => Some("RESPONSIVE_DISPLAY_AD"),
                        Channel::Shopping => Some("SHOPPING_PRODUCT_AD"),
                        Channel::PerformanceMax => None,
                    };
                    if let Some(ad_type) = ad_type {
                        for _ in 0..rng.random_range(1..=3) {
                            let (headlines, descriptions) = if ad_type == "SHOPPING_PRODUCT_AD" {
                                (Vec::new(), Vec::new())
                            } else {
                                ad_copy(ptype, &shop_name, "$50", &mut rng)
                            };
                            group.ads.push(Ad {
                                seq: next_ad,
                                ad_type,
                                status: Status::Enabled,
                                headlines,
                                descriptions,
                                final_url: format!("https://{domain}/collections/{}", slug(ptype.name)),
                                weight: rng.random_range(0.3..1.5),
                            });
                            next_ad += 1;
                        }
                    }
                    if matches!(channel, Channel::Shopping | Channel::PerformanceMax) && !products.is_empty() {
                        let count = rng.random_range(3..=12usize).min(products.len());
                        let start = rng.random_range(0..products.len());
                        group.products = (0..count).map(|k| (start + k * 7) % products.len()).collect();
                        group.products.sort_unstable();
                        group.products.dedup();
                    }
                    ad_groups.push(group);
                }
                Campaign {
                    index: i as u32,
                    seq: i as u64,
                    name,
                    channel,
                    status,
                    bidding: template.and_then(|t| t.bidding.as_deref()).and_then(bidding_named).unwrap_or_else(|| match channel {
                        Channel::Search => ["MAXIMIZE_CONVERSIONS", "TARGET_CPA", "MANUAL_CPC"][rng.random_range(0..3)],
                        Channel::Shopping => ["TARGET_ROAS", "MANUAL_CPC"][rng.random_range(0..2)],
                        Channel::PerformanceMax => "MAXIMIZE_CONVERSION_VALUE",
                        Channel::Display => "MAXIMIZE_CONVERSIONS",
                    }),
                    budget_micros: template.and_then(|t| t.budget_micros).filter(|_| extension == Extension::Continued).unwrap_or(0),
                    kept_budget: template.and_then(|t| t.budget_micros).is_some() && extension == Extension::Continued,
                    first_day: start,
                    last_day: stop,
                    ctr: pick_range(&mut rng, bench.ctr),
                    cpc_cents,
                    cvr: pick_range(&mut rng, bench.cvr),
                    daily_impressions: pick_range(&mut rng, bench.daily_impressions),
                    ad_groups,
                }
            })
            .collect::<Vec<_>>();
        let mut plan = AdsPlan {
            seed,
            account_id: inputs.account_id.unwrap_or_else(|| 1_000_000_000 + (mix(seed) % 8_999_999_999) as i64),
            merchant_id: 100_000_000 + (mix(seed ^ 7) % 899_999_999) as i64,
            currency,
            period,
            campaigns,
            products,
            shape: WeeklyShape::default(),
            timezone: store.map_or_else(|| "America/New_York".into(), |s| s.timezone.clone()),
            average_order: store.map_or(9000, |s| s.average_order.max(100)),
            conversions: None,
            extension,
        };
        plan.set_budgets();
        plan
    }

    /// Daily budgets a little above what campaigns spend (a continued
    /// campaign keeps its own).
    fn set_budgets(&mut self) {
        for c in self.campaigns.iter_mut().filter(|c| !c.kept_budget) {
            let spend = c.daily_impressions * c.ctr * c.cpc_cents as f64 * 10_000.0;
            c.budget_micros = ((spend * 1.3 / 1_000_000.0).ceil().max(5.0) * 1_000_000.0) as i64;
        }
    }

    /// Attributed orders become the campaigns' conversions; impressions are
    /// scaled so that conversion rates stay those of the channel.
    pub fn add_conversions(&mut self, conversions: &Conversions) {
        let mut per_campaign: BTreeMap<u32, u64> = BTreeMap::new();
        for ((c, _), (n, _)) in &conversions.by_campaign_day {
            *per_campaign.entry(*c).or_default() += n;
        }
        for c in &mut self.campaigns {
            let orders = per_campaign.get(&c.index).copied().unwrap_or(0) as f64;
            let days = c.days().max(1) as f64;
            let needed = orders / days / c.cvr / c.ctr;
            c.daily_impressions = c.daily_impressions.max(needed);
        }
        self.set_budgets();
        self.conversions = Some(conversions.clone());
    }

    /// The campaign's figures on `day`, or None if it did not run.
    pub fn campaign_day(&self, c: &Campaign, day: i64) -> Option<Metrics> {
        if !c.runs_on(day) {
            return None;
        }
        let mut rng = stream2(self.seed, Domain::AdsDay, u64::from(c.index), day as u64);
        let tz = time_zone(&self.timezone);
        let (_, weekday) = local_hour_weekday(&tz, day * DAY + 12 * HOUR);
        let noise = (rng.random_range(-0.25f64..0.25)).exp();
        let impressions = (c.daily_impressions * self.shape.weekday(weekday) * noise).round().max(0.0) as u64;
        let ctr = (c.ctr * rng.random_range(0.85..1.15)).clamp(0.0, 1.0);
        let mut clicks = ((impressions as f64 * ctr).round() as u64).min(impressions);
        let cpc_micros = ((c.cpc_cents as f64 * rng.random_range(0.9..1.1)).round().max(1.0) as i64) * 10_000;
        let (conversions, value) = match &self.conversions {
            Some(linked) => linked.by_campaign_day.get(&(c.index, day)).copied().unwrap_or((0, 0)),
            None => {
                let n = ((clicks as f64 * c.cvr * rng.random_range(0.7..1.3)).round() as u64).min(clicks);
                let value = (0..n).map(|_| (self.average_order as f64 * rng.random_range(0.6..1.5)).round() as Cents).sum();
                (n, value)
            }
        };
        clicks = clicks.max(conversions);
        let impressions = impressions.max(clicks);
        Some(Metrics { impressions, clicks, cpc_micros, conversions, value })
    }

    /// Clicks stores draw on: a share of each store's orders (30-50%, the
    /// design's figure) came from a click 1-30 days before.
    pub fn clicks(&self, store: u32) -> Arc<dyn AdSource> {
        let share = 0.32 + 0.16 * unit(self.seed, Domain::Attribution, u64::from(store));
        Arc::new(Clicks {
            seed: mix(self.seed ^ (u64::from(store) + 1)),
            share,
            period: self.period,
            targets: self
                .campaigns
                .iter()
                .map(|c| (c.index, c.name.clone(), c.daily_impressions * c.ctr, c.first_day, c.last_day))
                .collect(),
        })
    }
}

/// A channel's figures in the workspace: rates and impressions per
/// campaign-day. Followed as they are, even outside the benchmarks (analysis
/// warns about those).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    pub ctr: f64,
    pub cpc: f64,
    pub cvr: f64,
    pub daily_impressions: f64,
}

fn rates(channel: Channel, measured: Option<Measured>) -> Benchmarks {
    let bench = channel.benchmarks();
    let around = |x: f64| Range::new(x * 0.85, x * 1.15);
    match measured {
        Some(m) => Benchmarks {
            ctr: around(m.ctr.min(1.0)),
            cpc: around(m.cpc),
            cvr: around(m.cvr.min(1.0)),
            daily_impressions: around(m.daily_impressions.max(1.0)),
        },
        // Search CPCs run to $8.94 in some industries; a store's sit lower.
        None if channel == Channel::Search => Benchmarks { cpc: Range::new(bench.cpc.low, 4.50), ..bench },
        None => bench,
    }
}

/// Google's 1-10 quality score, most keywords in the middle.
fn quality_score<R: RngExt>(rng: &mut R) -> u8 {
    Weighted::new(&[(1u8, 2.0), (2, 3.0), (3, 5.0), (4, 8.0), (5, 12.0), (6, 16.0), (7, 20.0), (8, 17.0), (9, 10.0), (10, 7.0)]).pick(rng)
}

fn campaign_name<R: RngExt>(channel: Channel, vertical: usize, i: usize, rng: &mut R) -> String {
    let types = VERTICALS[vertical].types;
    let focus = types[i % types.len()].name;
    let region = ["US", "CA", "UK", "All"][rng.random_range(0..4)];
    match channel {
        Channel::Search if i == 0 => format!("Search | Brand | {region}"),
        Channel::Search => format!("Search | {focus} | {region}"),
        Channel::Shopping => format!("Shopping | {focus} | {region}"),
        Channel::PerformanceMax => format!("PMax | {} | {region}", ["Bestsellers", "All Products", "New Arrivals"][i % 3]),
        Channel::Display => format!("Display | Remarketing | {region}"),
    }
}

/// The products shopping campaigns advertise: the store's, when a store is
/// generated with the ads; otherwise made from the vertical.
fn products(seed: u64, store: Option<&StoreFacts>, vertical: usize) -> Vec<Product> {
    let mut rng = stream(seed, Domain::Ads, 10_000);
    if let Some(s) = store.filter(|s| !s.products.is_empty()) {
        return s
            .products
            .iter()
            .map(|(sku, title, brand, ptype)| Product {
                item_id: sku.clone(),
                title: title.clone(),
                brand: brand.clone(),
                type_l1: ptype.clone(),
                weight: rng.random_range(0.2..3.0),
            })
            .collect();
    }
    let types = VERTICALS[vertical].types;
    (0..40)
        .map(|i| {
            let t = &types[i % types.len()];
            let title =
                format!("{} {}", t.qualifiers[rng.random_range(0..t.qualifiers.len())], t.nouns[rng.random_range(0..t.nouns.len())]);
            Product {
                item_id: format!("SKU-{:05}", 10_000 + i),
                title,
                brand: String::new(),
                type_l1: t.name.to_string(),
                weight: rng.random_range(0.2..3.0),
            }
        })
        .collect()
}

/// Where store orders' clicks come from.
struct Clicks {
    seed: u64,
    share: f64,
    period: Period,
    /// (campaign index, name, click weight, first day, last day).
    targets: Vec<(u32, String, f64, i64, i64)>,
}

impl AdSource for Clicks {
    fn click_for(&self, slot: u64, at: Seconds) -> Option<AdClick> {
        if unit(self.seed, Domain::Attribution, slot) >= self.share {
            return None;
        }
        let mut rng = stream(self.seed, Domain::Attribution, slot);
        // The click falls 1 to 30 days before the order, inside the ads' period.
        let earliest = self.period.start.max(at - 30 * DAY);
        if at - DAY <= earliest {
            return None;
        }
        let clicked = rng.random_range(earliest..at - DAY);
        let day = clicked.div_euclid(DAY);
        let running: Vec<(usize, f64)> =
            self.targets.iter().enumerate().filter(|(_, t)| day >= t.3 && day < t.4 && t.2 > 0.0).map(|(i, t)| (i, t.2)).collect();
        if running.is_empty() {
            return None;
        }
        let (campaign, name, ..) = &self.targets[Weighted::new(&running).pick(&mut rng)];
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let tail: String = (0..40).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
        Some(AdClick { campaign: *campaign, campaign_name: name.clone(), click_id: format!("Cj0KCQiA{tail}"), clicked_at: clicked })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(rows: u64) -> AdsInputs {
        AdsInputs {
            seed: 3,
            target_rows: rows,
            end: 1_780_000_000 - 1_780_000_000 % DAY,
            measured: BTreeMap::new(),
            currency: None,
            account_id: None,
            history: None,
        }
    }

    #[test]
    fn accounts_have_every_kind_of_report_and_sensible_rates() {
        for rows in [10, 500, 5000] {
            let plan = AdsPlan::new(&inputs(rows), None);
            let channels: Vec<Channel> = plan.campaigns.iter().map(|c| c.channel).collect();
            assert!(channels.contains(&Channel::Search) && channels.contains(&Channel::Shopping), "{channels:?}");
            let campaign_days: u64 = plan.campaigns.iter().map(Campaign::days).sum();
            assert!(campaign_days >= rows / 3, "{rows}: {campaign_days} campaign days");
            for c in &plan.campaigns {
                let b = c.channel.benchmarks();
                assert!(b.ctr.contains(c.ctr) && b.cvr.contains(c.cvr), "{c:?}");
                for day in c.first_day..c.last_day {
                    let m = plan.campaign_day(c, day).unwrap();
                    assert!(m.consistent(), "{m:?}");
                }
                assert!(plan.campaign_day(c, c.last_day).is_none());
            }
        }
    }

    #[test]
    fn a_workspace_with_campaigns_has_them_continued_after_its_history() {
        let mut i = inputs(180);
        let last = i.end.div_euclid(DAY) - 70;
        let running = |name: &str, channel| ExistingCampaign {
            name: name.into(),
            channel,
            bidding: Some("target_roas".into()),
            budget_micros: Some(75_000_000),
            measured: Some(Measured { ctr: 0.02, cpc: 0.8, cvr: 0.03, daily_impressions: 5000.0 }),
        };
        i.history = Some(History {
            first_day: last - 89,
            last_day: last,
            campaigns: 4,
            running: vec![
                running("Brand | US", Channel::Search),
                running("All | Shopping", Channel::Shopping),
                running("PMax", Channel::PerformanceMax),
            ],
        });
        let plan = AdsPlan::new(&i, None);
        assert_eq!(plan.extension, Extension::Continued);
        let names: Vec<&str> = plan.campaigns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Brand | US", "All | Shopping", "PMax"], "as many as run, by their names");
        for c in &plan.campaigns {
            assert_eq!((c.first_day, c.last_day), (last + 1, last + 61), "new days right after the history: 180 rows over 3 campaigns");
            assert_eq!((c.bidding, c.budget_micros), ("TARGET_ROAS", 75_000_000));
            assert!((c.ctr - 0.02).abs() < 0.004 && (c.daily_impressions - 5000.0).abs() < 800.0, "{c:?}");
        }
        // A history up to as-of: the same number of campaigns alongside it.
        i.history.as_mut().unwrap().last_day = i.end.div_euclid(DAY) - 1;
        let plan = AdsPlan::new(&i, None);
        assert_eq!((plan.extension, plan.campaigns.len()), (Extension::Alongside, 3));
        assert!(plan.campaigns.iter().all(|c| !c.name.starts_with("Brand | US") && c.last_day == i.end.div_euclid(DAY)));
    }

    #[test]
    fn clicks_precede_orders_by_one_to_thirty_days() {
        let plan = AdsPlan::new(&inputs(500), None);
        let source = plan.clicks(0);
        let (start, end) = (plan.period.start + 40 * DAY, plan.period.end);
        let mut attributed = 0;
        let n = 4000;
        for slot in 0..n {
            let at = start + (end - start) * slot as i64 / n as i64;
            if let Some(click) = source.click_for(slot, at) {
                attributed += 1;
                let lag = at - click.clicked_at;
                assert!((DAY..=30 * DAY).contains(&lag), "lag {lag}");
                let c = &plan.campaigns[click.campaign as usize];
                assert!(c.runs_on(click.clicked_at.div_euclid(DAY)));
                assert_eq!(c.name, click.campaign_name);
            }
        }
        let share = attributed as f64 / n as f64;
        assert!((0.30..=0.50).contains(&share), "{share}");
    }
}
