//! Storefront sessions as a web pixel sees them.
//!
//! Every order has the session it was bought in: a few page views and
//! add-to-carts (the order's lines first), then the purchase at the order's
//! own time. Between one order and the next come the sessions that did not
//! buy, mostly a page or two, some with a cart. How many of each is the
//! funnel's (see `inputs::Funnel`): by default the design's ratios across
//! the whole table, page views 5-10x and add-to-carts 2-4x the purchases;
//! with pixel data in the workspace, its own.

use std::sync::Arc;

use rand::RngExt;
use rand_distr::{Distribution, Poisson};

use crate::core::money::Cents;
use crate::core::rng::{Domain, stream};
use crate::core::stats::one_plus_poisson;
use crate::core::time::{DAY, MINUTE, Seconds};
use crate::model::row::KeyRef;
use crate::platforms::store::catalogue::Catalogue;
use crate::platforms::store::inputs::Funnel;
use crate::platforms::store::orders::{OrderDraft, Source};
use crate::platforms::store::shop::storefront_page;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventName {
    PageView,
    AddToCart,
    Purchase,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::PageView => "page_view",
            EventName::AddToCart => "add_to_cart",
            EventName::Purchase => "purchase",
        }
    }
}

/// Campaign tags on a session's landing page.
#[derive(Clone, Debug, PartialEq)]
pub struct Utm {
    pub source: &'static str,
    pub medium: &'static str,
    /// Shared by all of a session's events (and the newsletter's sessions).
    pub campaign: Option<Arc<str>>,
    pub click_id: Option<Arc<str>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventDraft {
    pub name: EventName,
    pub session: Arc<str>,
    pub client: Arc<str>,
    pub at: Seconds,
    /// The buyer, on a purchase session's events.
    pub customer: Option<KeyRef>,
    /// The order, on the purchase.
    pub order: bool,
    /// (product, variant) indices into the catalogue.
    pub product: Option<(usize, usize)>,
    pub page: Arc<str>,
    pub referrer: Option<&'static str>,
    /// Landing page only.
    pub utm: Option<Utm>,
    pub value: Option<Cents>,
}

/// A store's storefront, as its sessions need it.
pub struct Storefront<'a> {
    seed: u64,
    funnel: &'a Funnel,
    catalogue: &'a Catalogue,
    home: Arc<str>,
    thanks: Arc<str>,
    /// The newsletter's campaign tag.
    newsletter: Arc<str>,
}

impl<'a> Storefront<'a> {
    pub fn new(seed: u64, funnel: &'a Funnel, catalogue: &'a Catalogue, domain: &str) -> Storefront<'a> {
        Storefront {
            seed,
            funnel,
            catalogue,
            home: storefront_page(domain, ""),
            thanks: storefront_page(domain, "checkouts/thank_you"),
            newsletter: Arc::from("weekly"),
        }
    }

    /// The sessions between the previous order (`after`) and `order`,
    /// ending with the one that bought it, appended to `out` in time order.
    pub fn sessions(&self, order: &OrderDraft, customer: Option<KeyRef>, after: Seconds, out: &mut Vec<EventDraft>) {
        let mut rng = stream(self.seed, Domain::Session, order.slot);
        let browsers = self.funnel.browsers_per_purchase;
        let count = Poisson::new(browsers.max(0.01)).map_or(0.0, |p| p.sample(&mut rng)) as u64;
        let window_end = order.at.max(after + 1);
        let mut starts: Vec<Seconds> = (0..count).map(|_| rng.random_range(after..window_end)).collect();
        starts.sort_unstable();
        for start in starts {
            browse_session(&mut rng, self, start, out);
        }
        buy_session(&mut rng, self, order, customer, out);
    }
}

/// What a session's events share.
struct Visit {
    session: Arc<str>,
    client: Arc<str>,
    customer: Option<KeyRef>,
}

impl Visit {
    fn new<R: RngExt>(rng: &mut R, customer: Option<KeyRef>) -> Visit {
        let a: u128 = rng.random();
        let b: u64 = rng.random();
        Visit { session: hex(a, 32), client: hex(u128::from(b), 16), customer }
    }

    /// A page view of a product, or an add-to-cart worth its price.
    fn on_product(&self, catalogue: &Catalogue, name: EventName, at: Seconds, (product, variant): (usize, usize)) -> EventDraft {
        EventDraft {
            name,
            session: self.session.clone(),
            client: self.client.clone(),
            at,
            customer: self.customer.clone(),
            order: false,
            product: Some((product, variant)),
            page: catalogue.products[product].page.clone(),
            referrer: None,
            utm: None,
            value: (name == EventName::AddToCart).then(|| catalogue.products[product].variants[variant].price),
        }
    }
}

/// The last `width` hex digits of `n`, built in place (one allocation: the
/// Arc's), as `format!("{n:0width$x}")` would write them.
fn hex(mut n: u128, width: usize) -> Arc<str> {
    let mut digits = [b'0'; 32];
    for d in digits[..width].iter_mut().rev() {
        *d = b"0123456789abcdef"[(n & 15) as usize];
        n >>= 4;
    }
    Arc::from(std::str::from_utf8(&digits[..width]).expect("hex digits are ASCII"))
}

fn landing<R: RngExt>(rng: &mut R, newsletter: &Arc<str>) -> (Option<&'static str>, Option<Utm>) {
    match rng.random_range(0..100) {
        0..40 => (None, None),
        40..68 => (Some("https://www.google.com/"), None),
        68..84 => (Some("https://www.instagram.com/"), Some(Utm { source: "instagram", medium: "social", campaign: None, click_id: None })),
        84..95 => (None, Some(Utm { source: "newsletter", medium: "email", campaign: Some(newsletter.clone()), click_id: None })),
        _ => (Some("https://www.reddit.com/"), None),
    }
}

fn browse_session<R: RngExt>(rng: &mut R, front: &Storefront, start: Seconds, out: &mut Vec<EventDraft>) {
    let (funnel, catalogue) = (front.funnel, front.catalogue);
    let visit = Visit::new(rng, None);
    let (referrer, utm) = landing(rng, &front.newsletter);
    let views = one_plus_poisson(rng, funnel.browser_page_views, 12);
    let mut at = start;
    let mut last_product = (0, 0);
    for v in 0..views {
        let product = catalogue.pick(rng, at);
        last_product = (product, rng.random_range(0..catalogue.products[product].variants.len()));
        let mut event = visit.on_product(catalogue, EventName::PageView, at, last_product);
        if v == 0 {
            if rng.random_bool(0.4) {
                event.page = front.home.clone();
            }
            (event.referrer, event.utm) = (referrer, utm.clone());
        }
        out.push(event);
        at += rng.random_range(10..4 * MINUTE);
    }
    if rng.random_bool(funnel.browser_cart_rate.clamp(0.0, 1.0)) {
        for _ in 0..rng.random_range(1..=2) {
            out.push(visit.on_product(catalogue, EventName::AddToCart, at, last_product));
            at += rng.random_range(10..2 * MINUTE);
        }
    }
}

fn buy_session<R: RngExt>(rng: &mut R, front: &Storefront, order: &OrderDraft, customer: Option<KeyRef>, out: &mut Vec<EventDraft>) {
    let (funnel, catalogue) = (front.funnel, front.catalogue);
    let visit = Visit::new(rng, customer);
    let views = rng.random_range(funnel.buyer_page_views.0..=funnel.buyer_page_views.1);
    let carts = rng.random_range(funnel.buyer_carts.0..=funnel.buyer_carts.1);
    // The design's timing: page views over the 1-7 days before the
    // purchase, add-to-carts over the last 1-3; or the workspace's own.
    let lead = |measured: &Option<crate::core::stats::Percentiles>, rng: &mut R, days: std::ops::RangeInclusive<Seconds>| match measured {
        Some(q) => q.sample(rng) as Seconds,
        None => rng.random_range(days),
    };
    let view_lead = lead(&funnel.view_lead, rng, DAY..=7 * DAY).max(3 * MINUTE);
    let cart_lead = lead(&funnel.cart_lead, rng, DAY..=3 * DAY).clamp(2 * MINUTE, view_lead - MINUTE);
    let start = order.at - view_lead;
    // The landing view comes first, carts after it, the purchase last.
    let mut times: Vec<(Seconds, EventName)> = Vec::with_capacity((views + carts) as usize);
    times.push((start, EventName::PageView));
    for _ in 1..views {
        times.push((rng.random_range(start + 1..order.at - MINUTE), EventName::PageView));
    }
    let cart_start = order.at - cart_lead;
    for c in 0..carts {
        let at = if c == 0 { cart_start } else { rng.random_range(cart_start..order.at - 30) };
        times.push((at.max(start + 1), EventName::AddToCart));
    }
    times.sort_unstable_by_key(|(t, _)| *t);
    let (referrer, utm) = match &order.source {
        Source::Ad(click) => (
            Some("https://www.google.com/"),
            Some(Utm {
                source: "google",
                medium: "cpc",
                campaign: Some(Arc::from(click.campaign_name.as_str())),
                click_id: Some(Arc::from(click.click_id.as_str())),
            }),
        ),
        _ => landing(rng, &front.newsletter),
    };
    let mut cart_index = 0;
    for (i, (at, name)) in times.into_iter().enumerate() {
        // Carts add the order's lines first, then items later abandoned.
        let (product, variant) = match name {
            EventName::AddToCart => {
                let pick = order.lines.get(cart_index).map(|l| (l.product, l.variant));
                cart_index += 1;
                pick.unwrap_or_else(|| {
                    let p = catalogue.pick(rng, at);
                    (p, rng.random_range(0..catalogue.products[p].variants.len()))
                })
            }
            _ => {
                let l = &order.lines[rng.random_range(0..order.lines.len())];
                if rng.random_bool(0.6) {
                    (l.product, l.variant)
                } else {
                    let p = catalogue.pick(rng, at);
                    (p, 0)
                }
            }
        };
        let mut event = visit.on_product(catalogue, name, at, (product, variant));
        if i == 0 {
            (event.referrer, event.utm) = (referrer, utm.clone());
        }
        out.push(event);
    }
    out.push(EventDraft {
        name: EventName::Purchase,
        session: visit.session,
        client: visit.client,
        at: order.at,
        customer: visit.customer,
        order: true,
        product: None,
        page: front.thanks.clone(),
        referrer: None,
        utm: None,
        value: Some(order.total),
    });
}
