//! The shop: who sells, in which currency and time zone.

use std::sync::Arc;

use fake::Fake;
use fake::faker::name::en::LastName;
use rand::RngExt;

use crate::core::rng::{Domain, stream};
use crate::core::stats::Weighted;
use crate::core::time::{DAY, Period, Seconds};
use crate::platforms::store::inputs::{ExistingShop, LOCALES, Locale, StoreInputs};
use crate::platforms::store::taxonomy::VERTICALS;

#[derive(Clone, Debug)]
pub struct ShopDraft {
    /// False when the workspace already has its shop: no shop row is written.
    pub generated: bool,
    pub name: String,
    /// URL-safe name: `hartmann-outfitters`.
    pub handle: String,
    pub domain: String,
    pub email: String,
    pub locale: &'static Locale,
    pub currency: Arc<str>,
    pub timezone: String,
    pub country_code: String,
    /// Index into `taxonomy::VERTICALS`.
    pub vertical: usize,
    /// 0 (entry plan) to 3 (enterprise); platforms name their own plans.
    pub plan_tier: usize,
    pub created_at: Seconds,
}

impl ShopDraft {
    pub fn new(inputs: &StoreInputs) -> ShopDraft {
        let mut profile = stream(inputs.profile_seed, Domain::Shop, 0);
        let vertical = inputs.vertical.unwrap_or_else(|| profile.random_range(0..VERTICALS.len()));
        let existing = inputs.shop.clone();
        // What the orders told where the shop row (if any) does not.
        let inferred = inputs.inferred.clone().unwrap_or_default();
        let known = |pick: fn(&ExistingShop) -> Option<&String>| {
            existing.as_ref().and_then(|s| pick(s).cloned()).or_else(|| pick(&inferred).cloned())
        };
        let (currency_known, country_known) = (known(|s| s.currency.as_ref()), known(|s| s.country_code.as_ref()));
        let locale = country_known
            .as_deref()
            .and_then(Locale::for_country)
            .filter(|l| currency_known.as_deref().is_none_or(|c| c.eq_ignore_ascii_case(l.currency)))
            .or_else(|| currency_known.as_deref().and_then(Locale::for_currency))
            .or_else(|| country_known.as_deref().and_then(Locale::for_country))
            .unwrap_or_else(|| pick_locale(&mut profile));
        let mut rng = stream(inputs.seed, Domain::Shop, 0);
        let words = VERTICALS[vertical].shop_words;
        let founder: String = LastName().fake_with_rng(&mut rng);
        let made_up = format!("{founder} {}", words[rng.random_range(0..words.len())]);
        let ExistingShop { currency, timezone, name, domain, country_code } = existing.clone().unwrap_or_default();
        let (currency, timezone, country_code) =
            (currency.or(inferred.currency), timezone.or(inferred.timezone), country_code.or(inferred.country_code));
        let name = name.unwrap_or(made_up);
        let handle = slug(&name);
        let domain = domain.unwrap_or_else(|| format!("{handle}.com"));
        ShopDraft {
            generated: existing.is_none(),
            email: format!("hello@{}", domain.trim_start_matches("www.")),
            handle,
            domain,
            currency: Arc::from(currency.unwrap_or_else(|| locale.currency.to_string())),
            timezone: timezone.unwrap_or_else(|| locale.timezone.to_string()),
            country_code: country_code.unwrap_or_else(|| locale.country_code.to_string()),
            locale,
            name,
            vertical,
            plan_tier: Weighted::new(&[(0usize, 0.45), (1, 0.35), (2, 0.12), (3, 0.08)]).pick(&mut rng),
            created_at: founded(inputs.period, &mut rng),
        }
    }
}

fn pick_locale<R: RngExt>(rng: &mut R) -> &'static Locale {
    let pairs: Vec<(usize, f64)> = LOCALES.iter().enumerate().map(|(i, l)| (i, l.share)).collect();
    &LOCALES[Weighted::new(&pairs).pick(rng)]
}

/// Shops opened one to four years before the period starts.
fn founded<R: RngExt>(period: Period, rng: &mut R) -> Seconds {
    period.start - rng.random_range(365..4 * 365) * DAY - rng.random_range(0..DAY)
}

/// A page of the shop's storefront. Slugs are plain already; a domain read
/// from the workspace loses what no domain can hold (quotes, backslashes,
/// control characters), so every page is text JSON takes as it is and is
/// written as `Value::Plain`, without a scan, on every pixel event.
pub fn storefront_page(domain: &str, path: &str) -> std::sync::Arc<str> {
    let host: String = domain.chars().filter(|c| !c.is_control() && *c != '"' && *c != '\\').collect();
    std::sync::Arc::from(format!("https://{host}/{path}"))
}

/// Lowercase letters, digits and single dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storefront_pages_need_no_escaping() {
        assert_eq!(&*storefront_page("shop.example", "products/a-1"), "https://shop.example/products/a-1");
        assert_eq!(&*storefront_page("bad\"host\\\n.com", ""), "https://badhost.com/");
    }

    fn inputs() -> StoreInputs {
        StoreInputs::defaults(5, 100, Period { start: 1_700_000_000, end: 1_700_000_000 + 90 * DAY })
    }

    #[test]
    fn a_new_shop_is_consistent() {
        let shop = ShopDraft::new(&inputs());
        assert!(shop.generated);
        assert_eq!(&*shop.currency, shop.locale.currency);
        assert!(shop.domain.ends_with(".com") && shop.domain.starts_with(&shop.handle));
        assert!(shop.created_at < inputs().period.start);
        assert_eq!(ShopDraft::new(&inputs()).name, shop.name, "same seed, same shop");
    }

    #[test]
    fn an_existing_shop_keeps_its_settings() {
        let mut i = inputs();
        i.shop = Some(ExistingShop { currency: Some("GBP".into()), timezone: Some("Europe/London".into()), ..Default::default() });
        let shop = ShopDraft::new(&i);
        assert!(!shop.generated);
        assert_eq!(&*shop.currency, "GBP");
        assert_eq!(shop.locale.country_code, "GB");
    }

    #[test]
    fn a_shop_made_for_orders_without_one_takes_their_zone_and_currency() {
        let mut i = inputs();
        i.inferred = Some(ExistingShop {
            timezone: Some("America/Los_Angeles".into()),
            currency: Some("USD".into()),
            country_code: Some("US".into()),
            ..Default::default()
        });
        let shop = ShopDraft::new(&i);
        assert!(shop.generated);
        assert_eq!((shop.timezone.as_str(), &*shop.currency, shop.locale.country_code), ("America/Los_Angeles", "USD", "US"));
        // A country the locales lack keeps the orders' currency and zone.
        i.inferred = Some(ExistingShop {
            timezone: Some("Asia/Tokyo".into()),
            currency: Some("EUR".into()),
            country_code: Some("JP".into()),
            ..Default::default()
        });
        let shop = ShopDraft::new(&i);
        assert_eq!((shop.timezone.as_str(), &*shop.currency, shop.locale.currency), ("Asia/Tokyo", "EUR", "EUR"));
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slug("O'Kon & Sons  Apparel"), "o-kon-sons-apparel");
    }
}
