//! What a store generation starts from: the workspace's own figures where
//! analysis found them, published industry figures where it did not.

use std::sync::Arc;

use crate::core::money::Cents;
use crate::core::stats::Percentiles;
use crate::core::time::{Period, Seconds, WeeklyShape};

/// Funnel figures for pixel sessions.
#[derive(Clone, Debug, PartialEq)]
pub struct Funnel {
    /// Page views in a session that ends in a purchase (design: 5-10x the
    /// purchases).
    pub buyer_page_views: (u32, u32),
    /// Add-to-carts in such a session (design: 2-4x; Baymard's ~70% cart
    /// abandonment is roughly 3 carts per purchase).
    pub buyer_carts: (u32, u32),
    /// Sessions ending in a purchase, of all sessions (benchmarks.md:
    /// Littledata 1.4% average, top fifth of stores 3.2% and more).
    pub session_conversion: f64,
    /// Sessions without a purchase that still add to cart (Littledata: 5-7%
    /// of all sessions add to cart; the buying ones are among them).
    pub browser_cart_rate: f64,
    /// Mean page views of a session that does not buy.
    pub browser_page_views: f64,
}

impl Default for Funnel {
    fn default() -> Funnel {
        Funnel {
            buyer_page_views: (5, 10),
            buyer_carts: (2, 4),
            session_conversion: 0.02,
            browser_cart_rate: 0.04,
            browser_page_views: 2.0,
        }
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
}

/// Everything a store generation needs to decide.
#[derive(Clone, Debug)]
pub struct StoreInputs {
    pub seed: u64,
    /// Chooses the merchant's locale and line of business: the run's seed,
    /// so that stores generated together sell the same things in one currency.
    pub profile_seed: u64,
    pub orders: u64,
    pub period: Period,
    pub shape: WeeklyShape,
    pub shop: Option<ExistingShop>,
    /// Unit prices in major units; None: the vertical's default shape.
    pub prices: Option<Percentiles>,
    /// Mean line items per order (benchmarks.md: ~4.5 units per order, line
    /// items fewer).
    pub lines_per_order: f64,
    /// Mean quantity per line item.
    pub units_per_line: f64,
    pub new_products: u32,
    pub existing_products: Vec<ExistingProduct>,
    pub existing_customers: Vec<ExistingCustomer>,
    /// The first order number to use (after the workspace's highest).
    pub order_number_start: u64,
    pub funnel: Funnel,
    /// Index into `taxonomy::VERTICALS`; None: chosen by seed.
    pub vertical: Option<usize>,
    /// Product types and vendors the workspace already uses.
    pub existing_types: Vec<String>,
    pub existing_vendors: Vec<String>,
}

impl StoreInputs {
    /// Industry defaults for an empty workspace.
    pub fn defaults(seed: u64, orders: u64, period: Period) -> StoreInputs {
        StoreInputs {
            seed,
            profile_seed: seed,
            orders,
            period,
            shape: WeeklyShape::default(),
            shop: None,
            prices: None,
            lines_per_order: 2.2,
            units_per_line: 2.0,
            new_products: default_new_products(orders, 0),
            existing_products: Vec::new(),
            existing_customers: Vec::new(),
            order_number_start: 1001,
            funnel: Funnel::default(),
            vertical: None,
            existing_types: Vec::new(),
            existing_vendors: Vec::new(),
        }
    }
}

/// New products for a run of `orders`: the catalogue grows with the square
/// root of sales (a store selling 100x more does not list 100x more
/// products), capped so the catalogue stays in memory; halved when the
/// store already has products, which sell too.
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
