//! The words of a Google Ads account: keywords from what the store sells,
//! search terms that match their keyword the way its match type allows,
//! and responsive ad copy inside Google's limits (headlines at most 30
//! characters, descriptions at most 90).

use rand::RngExt;

use crate::platforms::store::taxonomy::ProductType;

pub const HEADLINE_MAX: usize = 30;
pub const DESCRIPTION_MAX: usize = 90;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchType {
    Exact,
    Phrase,
    Broad,
}

impl MatchType {
    pub fn api_name(self) -> &'static str {
        match self {
            MatchType::Exact => "EXACT",
            MatchType::Phrase => "PHRASE",
            MatchType::Broad => "BROAD",
        }
    }
}

/// Keyword texts for a product type: nouns, qualified nouns, buying phrases.
pub fn keyword_texts<R: RngExt>(ptype: &ProductType, brand: &str, rng: &mut R, count: usize) -> Vec<String> {
    let mut texts = Vec::new();
    let mut tries = 0;
    while texts.len() < count && tries < count * 6 {
        tries += 1;
        let noun = ptype.nouns[rng.random_range(0..ptype.nouns.len())].to_lowercase();
        let qualifier = ptype.qualifiers[rng.random_range(0..ptype.qualifiers.len())].to_lowercase();
        let text = match rng.random_range(0..6) {
            0 => noun.clone(),
            1 | 2 => format!("{qualifier} {noun}"),
            3 => format!("buy {noun}"),
            4 => format!("{noun} online"),
            _ => format!("{} {noun}", brand.to_lowercase()),
        };
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    texts
}

fn plural(word: &str) -> String {
    if word.ends_with('s') { format!("{word}es") } else { format!("{word}s") }
}

const PHRASE_BEFORE: [&str; 6] = ["best", "cheap", "buy", "womens", "mens", "new"];
const PHRASE_AFTER: [&str; 6] = ["sale", "near me", "for women", "for men", "gift", "reviews"];
const BROAD_WORDS: [&str; 8] = ["quality", "affordable", "premium", "top rated", "deals", "store", "brands", "discount"];

/// Search terms a keyword would match, with Google's search-term match
/// type: exact keywords match themselves and close variants (plurals);
/// phrase keywords match searches that contain them; broad keywords match
/// related searches sharing one of their words.
pub fn search_terms<R: RngExt>(keyword: &str, match_type: MatchType, rng: &mut R) -> Vec<(String, &'static str)> {
    let words: Vec<&str> = keyword.split_whitespace().collect();
    let last = words.last().copied().unwrap_or(keyword);
    let head = &words[..words.len().saturating_sub(1)];
    match match_type {
        MatchType::Exact => {
            let mut terms = vec![(keyword.to_string(), "EXACT")];
            if rng.random_bool(0.6) {
                let variant = head.iter().copied().chain(std::iter::once(plural(last).as_str())).collect::<Vec<_>>().join(" ");
                terms.push((variant, "NEAR_EXACT"));
            }
            terms
        }
        MatchType::Phrase => {
            let n = rng.random_range(1..=3);
            let mut terms: Vec<(String, &'static str)> = Vec::new();
            for _ in 0..n {
                let term = if rng.random_bool(0.5) {
                    format!("{} {keyword}", PHRASE_BEFORE[rng.random_range(0..PHRASE_BEFORE.len())])
                } else {
                    format!("{keyword} {}", PHRASE_AFTER[rng.random_range(0..PHRASE_AFTER.len())])
                };
                if !terms.iter().any(|(t, _)| *t == term) {
                    terms.push((term, "PHRASE"));
                }
            }
            terms
        }
        MatchType::Broad => {
            let n = rng.random_range(1..=3);
            let mut terms: Vec<(String, &'static str)> = Vec::new();
            for _ in 0..n {
                let extra = BROAD_WORDS[rng.random_range(0..BROAD_WORDS.len())];
                let term = if rng.random_bool(0.5) { format!("{extra} {last}") } else { format!("{} {extra}", plural(last)) };
                if !terms.iter().any(|(t, _)| *t == term) && term != keyword {
                    terms.push((term, "BROAD"));
                }
            }
            if terms.is_empty() {
                terms.push((format!("{last} {}", BROAD_WORDS[0]), "BROAD"));
            }
            terms
        }
    }
}

fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| f.to_uppercase().collect::<String>() + c.as_str())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Responsive ad copy: (headlines, descriptions), every line within limits.
pub fn ad_copy<R: RngExt>(ptype: &ProductType, shop: &str, free_over: &str, rng: &mut R) -> (Vec<String>, Vec<String>) {
    let noun = ptype.nouns[rng.random_range(0..ptype.nouns.len())];
    let qualifier = ptype.qualifiers[rng.random_range(0..ptype.qualifiers.len())];
    let kind = ptype.name;
    let candidates = [
        format!("{qualifier} {noun}"),
        format!("Shop {kind}"),
        shop.to_string(),
        format!("{noun} | {shop}"),
        format!("New {kind} Collection"),
        format!("Up To 25% Off {kind}"),
        format!("Free Shipping Over {free_over}"),
        "Order Today, Ships Fast".to_string(),
        format!("Best-Selling {noun}"),
        "Easy 30-Day Returns".to_string(),
        format!("{shop} Official Store"),
        format!("Discover {qualifier} {kind}"),
        "Rated 4.8 By Our Customers".to_string(),
        format!("{kind} You'll Love"),
        "Limited Stock, Shop Now".to_string(),
    ];
    let mut headlines: Vec<String> = candidates.iter().map(|h| title_case(h)).filter(|h| h.chars().count() <= HEADLINE_MAX).collect();
    headlines.dedup();
    let keep = rng.random_range(3..=headlines.len().clamp(3, 15));
    headlines.truncate(keep.max(3));
    let descriptions: Vec<String> = [
        format!(
            "Discover {} {} from {shop}. Free shipping on orders over {free_over}.",
            qualifier.to_lowercase(),
            plural(&noun.to_lowercase())
        ),
        format!("Shop our {} range today. Easy returns and fast, tracked delivery.", kind.to_lowercase()),
        format!("{shop}: {} made to last. Order online in minutes.", kind.to_lowercase()),
        "New styles every week. Sign up and get 10% off your first order.".to_string(),
    ]
    .into_iter()
    .filter(|d| d.chars().count() <= DESCRIPTION_MAX)
    .take(rng.random_range(2..=4))
    .collect();
    (headlines, descriptions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::{Domain, stream};
    use crate::platforms::store::taxonomy::VERTICALS;

    #[test]
    fn search_terms_match_by_match_type() {
        let mut rng = stream(1, Domain::Ads, 0);
        for _ in 0..200 {
            for (t, kind) in search_terms("merino sweater", MatchType::Exact, &mut rng) {
                assert!(t == "merino sweater" || (kind == "NEAR_EXACT" && t == "merino sweaters"), "{t}");
            }
            for (t, kind) in search_terms("merino sweater", MatchType::Phrase, &mut rng) {
                assert!(t.contains("merino sweater") && t != "merino sweater" && kind == "PHRASE", "{t}");
            }
            for (t, kind) in search_terms("merino sweater", MatchType::Broad, &mut rng) {
                assert!(t.contains("sweater") && kind == "BROAD", "{t}");
            }
        }
    }

    #[test]
    fn ad_copy_respects_google_limits() {
        let mut rng = stream(2, Domain::Ads, 0);
        for v in VERTICALS {
            for t in v.types {
                for _ in 0..20 {
                    let (h, d) = ad_copy(t, "Hartmann-Schmidt Outfitters And Sons", "$75", &mut rng);
                    assert!((3..=15).contains(&h.len()), "{} headlines", h.len());
                    assert!(h.iter().all(|x| x.chars().count() <= HEADLINE_MAX), "{h:?}");
                    assert!((1..=4).contains(&d.len()) && d.iter().all(|x| x.chars().count() <= DESCRIPTION_MAX), "{d:?}");
                }
            }
        }
    }
}
