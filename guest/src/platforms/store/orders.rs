//! Orders: when, who, what, and what it cost. Each order is a pure function
//! of its slot, so the orders, line items, customers' totals and pixel
//! sessions all agree without any of them being stored.

use rand::RngExt;

use crate::core::money::{Cents, portion};
use crate::core::rng::{Domain, mix, stream, unit};
use crate::core::stats::one_plus_poisson;
use crate::core::time::{DAY, HOUR, MINUTE, Seconds, Timeline, weyl};
use crate::platforms::store::catalogue::{Catalogue, ProductKind};
use crate::platforms::store::customers::{Buyer, CustomerBook};
use crate::platforms::store::inputs::StoreInputs;
use crate::platforms::store::shop::ShopDraft;

/// One row of a platform's order status table.
#[derive(Clone, Copy, Debug)]
pub struct OrderStatus {
    /// The platform's own words, in its column order (Shopify: financial
    /// and fulfillment status; Magento: state and status; ...).
    pub labels: &'static [&'static str],
    /// A numeric id, where the platform has one (BigCommerce status_id).
    pub code: i64,
    /// Weight among orders older than a few days.
    pub settled: f64,
    /// Weight among the last few days' orders, which are mostly unshipped.
    pub recent: f64,
    /// Counts as revenue (customer totals, ads conversions).
    pub revenue: bool,
    pub shipped: bool,
    pub cancelled: bool,
}

/// Steps of the Weyl sequences for lines per order and units per line:
/// irrationals independent of each other and of the timeline's golden ratio,
/// so that basket size, quantities and time of day do not move together.
const LINES_STEP: f64 = std::f64::consts::SQRT_2 - 1.0;
const UNITS_STEP: f64 = 0.732_050_807_568_877_2; // sqrt(3) - 1
const LINE_STEP: f64 = 0.236_067_977_499_789_7; // sqrt(5) - 2

/// How long an order counts as recent for its status.
const RECENT: Seconds = 3 * DAY;

#[derive(Clone, Debug, PartialEq)]
pub struct LineDraft {
    pub product: usize,
    pub variant: usize,
    pub quantity: u32,
    pub unit_price: Cents,
    /// Discount on the whole line: its own and its part of the order's.
    pub discount: Cents,
    /// The part of `discount` that is the order's (a code), not the line's own.
    pub from_order: Cents,
}

impl LineDraft {
    pub fn gross(&self) -> Cents {
        self.unit_price * i64::from(self.quantity)
    }

    pub fn net(&self) -> Cents {
        self.gross() - self.discount
    }
}

/// Where the buyer came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Direct,
    Organic,
    Social,
    Email,
    Referral,
    /// An ad click (set by the ads link, when ads are generated too).
    Ad(AdClick),
}

/// The ad click an order came from.
#[derive(Clone, Debug, PartialEq)]
pub struct AdClick {
    /// Index of the campaign in the ads generation.
    pub campaign: u32,
    pub campaign_name: String,
    pub click_id: String,
    pub clicked_at: Seconds,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderDraft {
    pub slot: u64,
    pub number: u64,
    pub at: Seconds,
    pub buyer: Buyer,
    pub lines: Vec<LineDraft>,
    /// Sum of quantity x unit price.
    pub gross: Cents,
    pub discounts: Cents,
    /// What the order's own discount column says: `discounts`, or only the
    /// order-level part where the workspace's orders leave out their lines'.
    pub reported_discounts: Cents,
    /// Gross less discounts: what the lines add up to.
    pub subtotal: Cents,
    pub tax: Cents,
    pub shipping: Cents,
    /// Subtotal + tax + shipping.
    pub total: Cents,
    pub status: usize,
    pub discount_code: Option<&'static str>,
    pub source: Source,
    /// Last change: shipping, cancelling.
    pub updated_at: Seconds,
}

impl OrderDraft {
    pub fn units(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
}

const DISCOUNT_CODES: [(&str, f64); 7] =
    [("SAVE5", 0.05), ("WELCOME10", 0.10), ("SAVE15", 0.15), ("FRIENDS20", 0.20), ("FLASH25", 0.25), ("VIP30", 0.30), ("HALFOFF", 0.50)];

/// The code whose rate is nearest to `rate`.
fn discount_code(rate: f64) -> &'static str {
    DISCOUNT_CODES.iter().min_by(|a, b| (a.1 - rate).abs().total_cmp(&(b.1 - rate).abs())).map_or("SAVE", |c| c.0)
}

/// Everything needed to draft any order by its slot.
pub struct OrderBook<'a> {
    pub inputs: &'a StoreInputs,
    pub shop: &'a ShopDraft,
    pub catalogue: &'a Catalogue,
    pub customers: &'a CustomerBook,
    pub timeline: &'a Timeline,
    pub statuses: &'static [OrderStatus],
    /// Decides which orders came from an ad click (see `platforms::link`).
    pub ads: Option<&'a dyn AdSource>,
}

/// What the ads side offers a store: for an order, the click it came from.
pub trait AdSource {
    fn click_for(&self, slot: u64, at: Seconds) -> Option<AdClick>;
}

impl OrderBook<'_> {
    pub fn orders(&self) -> u64 {
        self.inputs.orders
    }

    pub fn time_of(&self, slot: u64) -> Seconds {
        self.timeline.nth(slot, self.inputs.orders, unit(self.inputs.seed, Domain::OrderTime, slot))
    }

    /// The product type a returning buyer keeps coming back to: an existing
    /// customer's measured favourite, or one drawn for a new customer with
    /// several orders. One-time buyers have none.
    fn favourite_type(&self, buyer: &Buyer) -> Option<&str> {
        match buyer {
            Buyer::Existing(i) => self.customers.existing(*i).favourite_type.as_deref(),
            Buyer::New { customer, orders, .. } if *orders > 1 => self.catalogue.favourite_for(self.inputs.seed ^ mix(*customer)),
            Buyer::New { .. } => None,
        }
    }

    pub fn status(&self, draft: &OrderDraft) -> &'static OrderStatus {
        &self.statuses[draft.status]
    }

    pub fn draft(&self, slot: u64) -> OrderDraft {
        let inputs = self.inputs;
        let mut rng = stream(inputs.seed, Domain::Order, slot);
        let at = self.time_of(slot);
        let buyer = self.customers.buyer(slot);
        // Measured histograms are drawn from by Weyl sequences over the
        // slots (and lines): a run of a few hundred orders keeps their shape.
        let offset = unit(inputs.seed, Domain::Order, u64::MAX);
        let n_lines = match &inputs.lines {
            Some(lines) => lines.quantile((weyl(slot, LINES_STEP) + offset).fract()) as usize,
            None => one_plus_poisson(&mut rng, inputs.lines_per_order, 8) as usize,
        };
        let mut lines: Vec<LineDraft> = Vec::with_capacity(n_lines);
        let d = &inputs.discounts;
        let rate = rng.random_bool(d.share.clamp(0.0, 1.0)).then(|| d.rate.sample(&mut rng).clamp(0.0, 0.95));
        let favourite = self.favourite_type(&buyer);
        for _ in 0..n_lines {
            // Distinct products per order; a small catalogue may allow fewer lines.
            let Some(product) = (0..6)
                .map(|_| self.catalogue.pick_for(&mut rng, at, favourite, inputs.affinity))
                .find(|p| lines.iter().all(|l| l.product != *p))
            else {
                break;
            };
            let variants = &self.catalogue.products[product].variants;
            let variant = rng.random_range(0..variants.len());
            let unit_price = variants[variant].price;
            // Units from the histogram of lines priced like this one.
            let units = match inputs.units_by_price.iter().find(|(top, _)| unit_price as f64 <= top * 100.0 + 0.5) {
                Some((_, h)) => Some(h),
                None => inputs.units_by_price.last().map(|(_, h)| h).or(inputs.units.as_ref()),
            };
            let quantity = match units {
                Some(units) => units.quantile((weyl(slot, UNITS_STEP) + weyl(lines.len() as u64 + 1, LINE_STEP) + offset).fract()).max(1),
                None => one_plus_poisson(&mut rng, inputs.units_per_line, 10),
            };
            let gross = unit_price * i64::from(quantity);
            // The line's own discount (a sale price), then its part of the
            // order's code on what is left.
            let own = match &d.lines {
                Some((share, depth)) if rng.random_bool(share.clamp(0.0, 1.0)) => portion(gross, depth.sample(&mut rng).clamp(0.0, 0.95)),
                _ => 0,
            };
            let from_order = rate.map_or(0, |r| portion(gross - own, r));
            lines.push(LineDraft { product, variant, quantity, unit_price, discount: own + from_order, from_order });
        }
        let gross: Cents = lines.iter().map(LineDraft::gross).sum();
        let discounts: Cents = lines.iter().map(|l| l.discount).sum();
        let reported_discounts = if d.order_counts_lines { discounts } else { lines.iter().map(|l| l.from_order).sum() };
        let subtotal = gross - discounts;
        let ships = lines.iter().any(|l| self.catalogue.products[l.product].kind == ProductKind::Physical);
        let locale = self.shop.locale;
        let shipping = if !ships || subtotal >= locale.free_shipping_over { 0 } else { locale.shipping };
        let tax = portion(subtotal, locale.tax_rate);
        let total = subtotal + tax + shipping;
        let age = inputs.period.end - at;
        let status = match &inputs.status_weights {
            Some(weights) => pick_weighted(weights, rng.random()),
            None => pick_status(self.statuses, age < RECENT, rng.random()),
        };
        let st = &self.statuses[status];
        let updated_at = if st.shipped || st.cancelled {
            (at + rng.random_range(2 * HOUR..5 * DAY)).min(inputs.period.end - 1).max(at)
        } else {
            at + rng.random_range(0..10 * MINUTE)
        };
        let source = match self.ads.and_then(|a| a.click_for(slot, at)) {
            Some(click) => Source::Ad(click),
            None => match rng.random_range(0..100) {
                0..40 => Source::Direct,
                40..68 => Source::Organic,
                68..84 => Source::Social,
                84..95 => Source::Email,
                _ => Source::Referral,
            },
        };
        OrderDraft {
            slot,
            number: inputs.order_number_start + slot,
            at,
            buyer,
            lines,
            gross,
            discounts,
            reported_discounts,
            subtotal,
            tax,
            shipping,
            total,
            status,
            discount_code: rate.map(discount_code),
            source,
            updated_at,
        }
    }
}

fn pick_weighted(weights: &[f64], u: f64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w / total;
        if u < acc {
            return i;
        }
    }
    weights.len() - 1
}

fn pick_status(statuses: &[OrderStatus], recent: bool, u: f64) -> usize {
    let weight = |s: &OrderStatus| if recent { s.recent } else { s.settled };
    let total: f64 = statuses.iter().map(weight).sum();
    let mut acc = 0.0;
    for (i, s) in statuses.iter().enumerate() {
        acc += weight(s) / total;
        if u < acc {
            return i;
        }
    }
    statuses.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    static STATUSES: &[OrderStatus] = &[
        OrderStatus { labels: &["paid"], code: 1, settled: 0.9, recent: 0.2, revenue: true, shipped: true, cancelled: false },
        OrderStatus { labels: &["pending"], code: 2, settled: 0.1, recent: 0.8, revenue: false, shipped: false, cancelled: false },
    ];

    #[test]
    fn status_weights_depend_on_age() {
        let n = 10_000;
        let recent = (0..n).filter(|i| pick_status(STATUSES, true, *i as f64 / n as f64) == 1).count();
        let settled = (0..n).filter(|i| pick_status(STATUSES, false, *i as f64 / n as f64) == 1).count();
        assert_eq!(recent, 8000);
        assert_eq!(settled, 1000);
    }
}
