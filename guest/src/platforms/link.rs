//! Ads and stores generated together: ad clicks that lead to orders (the
//! design's AdsEcommerceLinker).
//!
//! The ads side decides which store orders came from a click (30-50% of
//! them, per the design) and on which campaign; the store side marks those
//! orders and their landing sessions with UTM tags and the click id, then
//! reports them back, so that campaigns' conversions and conversion value
//! are exactly the attributed orders' count and value.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::core::money::Cents;
use crate::core::time::Period;
use crate::platforms::store::orders::AdSource;

/// What ads need to know about a store generated with them.
#[derive(Clone, Debug, Default)]
pub struct StoreFacts {
    pub shop_name: String,
    pub domain: String,
    pub currency: String,
    pub timezone: String,
    /// Index into `store::taxonomy::VERTICALS`.
    pub vertical: usize,
    /// When its orders fall.
    pub period: Option<Period>,
    /// (sku, title, brand, product type) of products on sale.
    pub products: Vec<(String, String, String, String)>,
    /// Average order value in cents.
    pub average_order: Cents,
}

/// Attributed orders by campaign and day of the click: (orders, value).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conversions {
    pub by_campaign_day: BTreeMap<(u32, i64), (u64, Cents)>,
}

impl Conversions {
    pub fn add(&mut self, campaign: u32, day: i64, value: Cents) {
        let e = self.by_campaign_day.entry((campaign, day)).or_default();
        e.0 += 1;
        e.1 += value;
    }

    pub fn merge(&mut self, other: &Conversions) {
        for (k, (n, v)) in &other.by_campaign_day {
            let e = self.by_campaign_day.entry(*k).or_default();
            e.0 += n;
            e.1 += v;
        }
    }

    pub fn orders(&self) -> u64 {
        self.by_campaign_day.values().map(|(n, _)| n).sum()
    }

    pub fn value(&self) -> Cents {
        self.by_campaign_day.values().map(|(_, v)| v).sum()
    }
}

/// A store generation that ad clicks can lead to.
pub trait StoreSide {
    fn facts(&self) -> StoreFacts;
    /// From now on, some orders come from these clicks.
    fn attach(&mut self, clicks: Arc<dyn AdSource>);
    /// The attributed orders (a pass over the orders; bounded memory).
    fn conversions(&self) -> Conversions;
}

/// An ads generation whose clicks lead to store orders.
pub trait AdsSide {
    /// Advertise this store: its products, its period, its currency.
    fn use_store(&mut self, store: StoreFacts);
    /// The clicks stores draw on; `store` tells stores apart.
    fn clicks(&self, store: u32) -> Arc<dyn AdSource>;
    /// The stores' attributed orders, which campaigns then report.
    fn add_conversions(&mut self, conversions: &Conversions);
}
