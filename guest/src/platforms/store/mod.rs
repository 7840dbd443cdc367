//! The e-commerce engine the store platforms share: a shop, its catalogue,
//! customers, orders and their line items, and storefront sessions, decided
//! once and streamed table by table. Platforms supply their vocabulary.

pub mod analysis;
pub mod catalogue;
pub mod customers;
pub mod engine;
pub mod inputs;
pub mod orders;
pub mod sessions;
pub mod shop;
pub mod taxonomy;

use crate::model::row::Value;
use crate::platforms::store::orders::Source;

/// UTM tags and click id an order carries: (source, medium, campaign, click id).
pub fn utm(source: &Source) -> (Option<&'static str>, Option<&'static str>, Value, Value) {
    match source {
        Source::Ad(click) => (Some("google"), Some("cpc"), click.campaign_name.clone().into(), click.click_id.clone().into()),
        Source::Social => (Some("instagram"), Some("social"), Value::Null, Value::Null),
        Source::Email => (Some("newsletter"), Some("email"), Value::Static("weekly"), Value::Null),
        Source::Direct | Source::Organic | Source::Referral => (None, None, Value::Null, Value::Null),
    }
}

/// The landing path and referrer of an order's session.
pub fn landing(source: &Source) -> (Value, Option<&'static str>) {
    match source {
        Source::Ad(click) => (
            format!("/?utm_source=google&utm_medium=cpc&utm_campaign={}&gclid={}", url_word(&click.campaign_name), click.click_id).into(),
            Some("https://www.google.com/"),
        ),
        Source::Organic => (Value::Static("/"), Some("https://www.google.com/")),
        Source::Social => (Value::Static("/?utm_source=instagram&utm_medium=social"), Some("https://www.instagram.com/")),
        Source::Email => (Value::Static("/?utm_source=newsletter&utm_medium=email&utm_campaign=weekly"), None),
        Source::Referral => (Value::Static("/"), Some("https://www.reddit.com/")),
        Source::Direct => (Value::Static("/"), None),
    }
}

fn url_word(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '+' }).collect()
}
