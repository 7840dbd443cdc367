//! What a store generation starts from: the workspace's own figures where
//! analysis found them, published industry figures where it did not.

use std::sync::Arc;

use crate::core::money::Cents;
use crate::core::stats::{Discrete, Percentiles};
use crate::core::time::{Period, Season, Seconds, WeeklyShape};

/// Pixel sessions around each order. The design asks for page views at
/// 5-10x and add-to-carts at 2-4x the purchases: the defaults hold inside
/// the buying sessions (about 6x and 2.5x) and across the whole events
/// table, browsing sessions included (about 8.3x and 3x). Since every
/// session has at least one page view, that leaves room for only a few
/// sessions per purchase: the design's ratios, not the 1-3% storefront
/// conversion of benchmarks.md, decide. A workspace with events has its own.
#[derive(Clone, Debug, PartialEq)]
pub struct Funnel {
    /// Page views in a session that ends in a purchase.
    pub buyer_page_views: (u32, u32),
    /// Add-to-carts in such a session (the order's lines first).
    pub buyer_carts: (u32, u32),
    /// Sessions without a purchase, per purchase.
    pub browsers_per_purchase: f64,
    /// Mean page views of a session that does not buy.
    pub browser_page_views: f64,
    /// Share of sessions without a purchase that add to cart (1-2 times).
    pub browser_cart_rate: f64,
    /// How long before the purchase a buying session's first page view
    /// comes (seconds); None: the design's 1 to 7 days.
    pub view_lead: Option<Percentiles>,
    /// The same for its first add-to-cart; None: the design's 1 to 3 days.
    pub cart_lead: Option<Percentiles>,
}

impl Default for Funnel {
    fn default() -> Funnel {
        Funnel {
            buyer_page_views: (5, 7),
            buyer_carts: (2, 3),
            browsers_per_purchase: 1.5,
            browser_page_views: 1.5,
            browser_cart_rate: 0.2,
            view_lead: None,
            cart_lead: None,
        }
    }
}

impl Funnel {
    /// Expected (page views, add-to-carts, sessions) per purchase.
    pub fn per_purchase(&self) -> (f64, f64, f64) {
        let mid = |(a, b): (u32, u32)| f64::from(a + b) / 2.0;
        let b = self.browsers_per_purchase;
        (mid(self.buyer_page_views) + b * self.browser_page_views, mid(self.buyer_carts) + b * self.browser_cart_rate * 1.5, 1.0 + b)
    }
}

/// A shop the workspace already has.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ExistingShop {
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub country_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExistingVariant {
    /// JSON literal of its key, when the platform has variant rows.
    pub key: Option<Arc<str>>,
    pub title: Option<String>,
    pub sku: Option<String>,
    pub price: Cents,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExistingProduct {
    pub key: Arc<str>,
    pub title: String,
    pub product_type: Option<String>,
    pub vendor: Option<String>,
    pub created_at: Option<Seconds>,
    /// Order lines it appears in: its popularity.
    pub order_lines: u64,
    pub variants: Vec<ExistingVariant>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExistingCustomer {
    pub key: Arc<str>,
    pub created_at: Option<Seconds>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Orders they placed in the workspace (0 when unknown).
    pub orders: u64,
    /// The product type they buy most, where known.
    pub favourite_type: Option<String>,
}

/// Who buys: how many orders each customer places over a period as long as
/// the workspace's history, and how many of the customers are new.
#[derive(Clone, Debug)]
pub struct Repeat {
    /// Orders per customer (a customer with 20 orders counts once, at 20).
    pub orders_per_customer: Discrete,
    /// Share of customers buying in a period who had never bought before.
    pub new_customers: f64,
    /// Days between a customer's consecutive orders; None: orders spread
    /// over the period at random.
    pub gaps: Option<Percentiles>,
}

impl Default for Repeat {
    /// Most customers buy once (e-commerce repeat-customer rates are
    /// commonly put near 25-30%); in an empty workspace every one is new.
    fn default() -> Repeat {
        Repeat {
            orders_per_customer: Discrete::new([(1, 0.70), (2, 0.17), (3, 0.07), (4, 0.03), (5, 0.02), (6, 0.01)]).expect("positive"),
            new_customers: 1.0,
            gaps: None,
        }
    }
}

/// Discounts, wherever the workspace records them: on whole orders (a code,
/// spread over the order's lines), on single lines (sale prices), or both.
#[derive(Clone, Debug)]
pub struct Discounts {
    /// Share of orders with an order-level discount.
    pub share: f64,
    /// That discount as a share of the order's lines after their own
    /// discounts, among discounted orders.
    pub rate: Percentiles,
    /// Share of lines with a discount of their own, and its depth (a share
    /// of the line's value); None: lines carry only the order's.
    pub lines: Option<(f64, Percentiles)>,
    /// Whether the order's discount column counts its lines' own discounts
    /// too (Shopify's `total_discounts` does); some imports leave them out.
    pub order_counts_lines: bool,
}

impl Default for Discounts {
    /// About one order in six uses a code of 10-25%.
    fn default() -> Discounts {
        Discounts {
            share: 0.18,
            rate: Percentiles::new(
                vec![(0.01, 0.10), (0.4, 0.10), (0.41, 0.15), (0.7, 0.15), (0.71, 0.20), (0.9, 0.20), (0.91, 0.25), (0.99, 0.25)],
                0.0,
            )
            .expect("increasing"),
            lines: None,
            order_counts_lines: true,
        }
    }
}

/// Everything a store generation needs to decide.
#[derive(Clone, Debug)]
pub struct StoreInputs {
    pub seed: u64,
    /// How the run's size was decided, in words ("3,040 real orders (over
    /// 200): +20% = 608").
    pub rule: String,
    /// Chooses the merchant's locale and line of business: the run's seed,
    /// so that stores generated together sell the same things in one currency.
    pub profile_seed: u64,
    pub orders: u64,
    pub period: Period,
    pub shape: WeeklyShape,
    pub season: Season,
    pub shop: Option<ExistingShop>,
    /// What the orders say where the shop row does not (its time zone,
    /// currency and country), for the shop row a run writes or lacks.
    pub inferred: Option<ExistingShop>,
    /// Unit prices of order lines in major units; None: the vertical's
    /// default shape.
    pub prices: Option<Percentiles>,
    /// The same by product type, for new products of that type.
    pub prices_by_type: Vec<(String, Percentiles)>,
    /// Line items per order; None: 1 + Poisson around `lines_per_order`.
    pub lines: Option<Discrete>,
    /// Mean line items per order (benchmarks.md: ~4.5 units per order, line
    /// items fewer).
    pub lines_per_order: f64,
    /// Quantity per line; None: 1 + Poisson around `units_per_line`.
    pub units: Option<Discrete>,
    pub units_per_line: f64,
    /// Quantity per line by the line's unit price: (highest unit price of
    /// the band, in major units; histogram), cheapest first; empty: `units`.
    pub units_by_price: Vec<(f64, Discrete)>,
    pub discounts: Discounts,
    /// Measured weight of each of the platform's statuses (same order as
    /// its status table); None: the platform's own weights.
    pub status_weights: Option<Vec<f64>>,
    pub repeat: Repeat,
    /// Share of a returning customer's lines in the product type they buy
    /// most.
    pub affinity: Option<f64>,
    pub new_products: u32,
    /// Share of order lines that go to the run's new products.
    pub new_product_share: Option<f64>,
    /// Share of products sold without options (one variant).
    pub single_variant_share: Option<f64>,
    pub existing_products: Vec<ExistingProduct>,
    pub existing_customers: Vec<ExistingCustomer>,
    /// The first order number to use (after the workspace's highest).
    pub order_number_start: u64,
    pub funnel: Funnel,
    /// Index into `taxonomy::VERTICALS`; None: chosen by seed.
    pub vertical: Option<usize>,
    /// Product types and vendors the workspace uses, with how many
    /// products each has.
    pub type_mix: Vec<(String, f64)>,
    pub vendor_mix: Vec<(String, f64)>,
}

impl StoreInputs {
    /// Industry defaults for an empty workspace.
    pub fn defaults(seed: u64, orders: u64, period: Period) -> StoreInputs {
        StoreInputs {
            seed,
            rule: format!("{orders} orders"),
            profile_seed: seed,
            orders,
            period,
            shape: WeeklyShape::default(),
            season: Season::default(),
            shop: None,
            inferred: None,
            prices: None,
            prices_by_type: Vec::new(),
            lines: None,
            lines_per_order: 2.2,
            units: None,
            units_per_line: 2.0,
            units_by_price: Vec::new(),
            discounts: Discounts::default(),
            status_weights: None,
            repeat: Repeat::default(),
            affinity: None,
            new_products: default_new_products(orders, 0),
            new_product_share: None,
            single_variant_share: None,
            existing_products: Vec::new(),
            existing_customers: Vec::new(),
            order_number_start: 1001,
            funnel: Funnel::default(),
            vertical: None,
            type_mix: Vec::new(),
            vendor_mix: Vec::new(),
        }
    }
}

/// New products for a run of `orders` when the workspace cannot tell: the
/// catalogue grows with the square root of sales (a store selling 100x more
/// does not list 100x more products), capped so the catalogue stays in
/// memory; halved when the store already has products, which sell too.
pub fn default_new_products(orders: u64, existing_products: usize) -> u32 {
    let n = (2.0 * (orders as f64).sqrt()).round().clamp(3.0, 2000.0) as u32;
    if existing_products > 0 { (n / 2).max(1) } else { n }
}

/// Where a shop is and what that implies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Locale {
    pub currency: &'static str,
    pub country_code: &'static str,
    pub country: &'static str,
    pub timezone: &'static str,
    /// Sales tax or VAT charged on the subtotal.
    pub tax_rate: f64,
    /// Flat shipping and the subtotal from which it is free, in cents.
    pub shipping: Cents,
    pub free_shipping_over: Cents,
    pub money_format: &'static str,
    /// Share of new shops in this locale.
    pub share: f64,
    pub german_names: bool,
}

pub static LOCALES: &[Locale] = &[
    Locale {
        currency: "USD",
        country_code: "US",
        country: "United States",
        timezone: "America/New_York",
        tax_rate: 0.07,
        shipping: 699,
        free_shipping_over: 7500,
        money_format: "${{amount}} USD",
        share: 0.70,
        german_names: false,
    },
    Locale {
        currency: "CAD",
        country_code: "CA",
        country: "Canada",
        timezone: "America/Toronto",
        tax_rate: 0.13,
        shipping: 999,
        free_shipping_over: 9900,
        money_format: "${{amount}} CAD",
        share: 0.08,
        german_names: false,
    },
    Locale {
        currency: "GBP",
        country_code: "GB",
        country: "United Kingdom",
        timezone: "Europe/London",
        tax_rate: 0.20,
        shipping: 395,
        free_shipping_over: 5000,
        money_format: "£{{amount}} GBP",
        share: 0.08,
        german_names: false,
    },
    Locale {
        currency: "EUR",
        country_code: "DE",
        country: "Germany",
        timezone: "Europe/Berlin",
        tax_rate: 0.19,
        shipping: 495,
        free_shipping_over: 6000,
        money_format: "€{{amount}} EUR",
        share: 0.08,
        german_names: true,
    },
    Locale {
        currency: "AUD",
        country_code: "AU",
        country: "Australia",
        timezone: "Australia/Sydney",
        tax_rate: 0.10,
        shipping: 995,
        free_shipping_over: 10000,
        money_format: "${{amount}} AUD",
        share: 0.06,
        german_names: false,
    },
];

impl Locale {
    pub fn for_currency(code: &str) -> Option<&'static Locale> {
        LOCALES.iter().find(|l| l.currency.eq_ignore_ascii_case(code))
    }

    pub fn for_country(code: &str) -> Option<&'static Locale> {
        LOCALES.iter().find(|l| l.country_code.eq_ignore_ascii_case(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_funnel_keeps_the_design_ratios() {
        let f = Funnel::default();
        let (pv, atc, _) = f.per_purchase();
        assert!((5.0..=10.0).contains(&pv) && (2.0..=4.0).contains(&atc), "whole table: {pv} {atc}");
        let mid = |(a, b): (u32, u32)| f64::from(a + b) / 2.0;
        assert!((5.0..=10.0).contains(&mid(f.buyer_page_views)) && (2.0..=4.0).contains(&mid(f.buyer_carts)), "buying sessions");
    }

    #[test]
    fn catalogue_grows_slower_than_sales() {
        assert_eq!(default_new_products(10, 0), 6);
        assert_eq!(default_new_products(500, 0), 45);
        assert_eq!(default_new_products(1_000_000, 0), 2000);
        assert_eq!(default_new_products(500, 12), 22);
    }

    #[test]
    fn locale_shares_sum_to_one() {
        let total: f64 = LOCALES.iter().map(|l| l.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}
