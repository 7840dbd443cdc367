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

use crate::platforms::store::orders::Source;

/// UTM tags and click id an order carries: (source, medium, campaign, click id).
pub fn utm(source: &Source) -> (Option<&'static str>, Option<&'static str>, Option<String>, Option<String>) {
    match source {
        Source::Ad(click) => (Some("google"), Some("cpc"), Some(click.campaign_name.clone()), Some(click.click_id.clone())),
        Source::Social => (Some("instagram"), Some("social"), None, None),
        Source::Email => (Some("newsletter"), Some("email"), Some("weekly".into()), None),
        Source::Direct | Source::Organic | Source::Referral => (None, None, None, None),
    }
}

/// The landing path and referrer of an order's session.
pub fn landing(source: &Source) -> (String, Option<&'static str>) {
    match source {
        Source::Ad(click) => (
            format!("/?utm_source=google&utm_medium=cpc&utm_campaign={}&gclid={}", url_word(&click.campaign_name), click.click_id),
            Some("https://www.google.com/"),
        ),
        Source::Organic => ("/".into(), Some("https://www.google.com/")),
        Source::Social => ("/?utm_source=instagram&utm_medium=social".into(), Some("https://www.instagram.com/")),
        Source::Email => ("/?utm_source=newsletter&utm_medium=email&utm_campaign=weekly".into(), None),
        Source::Referral => ("/".into(), Some("https://www.reddit.com/")),
        Source::Direct => ("/".into(), None),
    }
}

fn url_word(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '+' }).collect()
}
