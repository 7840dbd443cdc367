//! The catalogue: the workspace's products plus the run's new ones, with
//! their variants and how popular each is. It is the one structure a store
//! generation keeps whole in memory, and it is bounded (new products are
//! capped at 2,000, existing ones are a sample).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use fake::Fake;
use fake::faker::company::en::CompanyName;
use rand::RngExt;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
// Alias tables: a pick in constant time, for the per-line and per-event picks.
use rand_distr::weighted::WeightedAliasIndex;

use crate::core::money::{Cents, retail_price};
use crate::core::rng::{Domain, stream};
use crate::core::stats::{Percentiles, Weighted, log_normal_percentiles};
use crate::core::time::{DAY, Seconds};
use crate::model::row::KeyRef;
use crate::platforms::store::inputs::{ExistingProduct, StoreInputs};
use crate::platforms::store::shop::{ShopDraft, slug, storefront_page};
use crate::platforms::store::taxonomy::{ProductType, VERTICALS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductStatus {
    Active,
    Draft,
    Archived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductKind {
    Physical,
    /// Downloads, gift cards: nothing ships.
    Virtual,
}

#[derive(Clone, Debug)]
pub struct VariantDraft {
    /// None for an existing product whose variants are not rows.
    pub key: Option<KeyRef>,
    /// Sequence number of a new variant.
    pub seq: Option<u64>,
    /// `M / Black`, or `Default Title` for a product without options.
    pub title: Arc<str>,
    pub options: Vec<(&'static str, String)>,
    pub sku: Arc<str>,
    pub price: Cents,
    pub compare_at: Option<Cents>,
    pub inventory: i64,
    pub position: u32,
}

#[derive(Clone, Debug)]
pub struct ProductDraft {
    pub key: KeyRef,
    pub generated: bool,
    pub seq: Option<u64>,
    pub title: Arc<str>,
    pub handle: String,
    /// Its page on the storefront.
    pub page: Arc<str>,
    pub product_type: String,
    pub vendor: Arc<str>,
    pub tags: String,
    pub created_at: Seconds,
    pub status: ProductStatus,
    pub kind: ProductKind,
    /// Sold in options (sizes, colours...), not as a single item.
    pub has_options: bool,
    pub weight_grams: u32,
    /// Order lines it already appears in (existing products).
    pub order_lines: u64,
    pub variants: Vec<VariantDraft>,
}

#[derive(Clone, Debug)]
pub struct Catalogue {
    pub products: Vec<ProductDraft>,
    /// Where the run's new products sit in `products`.
    pub new: Range<usize>,
    /// Active products, and how often each is picked for an order line.
    sellable: Vec<usize>,
    picker: WeightedAliasIndex<f64>,
    /// The same, per product type: what a customer loyal to a type buys.
    by_type: HashMap<String, (Vec<usize>, WeightedAliasIndex<f64>)>,
    type_share: HashMap<String, f64>,
    favourites: Option<(Vec<String>, WeightedIndex<f64>)>,
    earliest: usize,
}

impl Catalogue {
    pub fn new(inputs: &StoreInputs, shop: &ShopDraft) -> Catalogue {
        let vertical = &VERTICALS[shop.vertical];
        let default_prices = log_normal_percentiles(vertical.median_price, 0.6, 1.0);
        let mut products: Vec<ProductDraft> = inputs.existing_products.iter().filter_map(|p| existing_product(p, &shop.domain)).collect();
        let existing = products.len();
        let vendors = vendors(inputs);
        // The workspace's own types, as often as its catalogue has them.
        let types = (!inputs.type_mix.is_empty()).then(|| Weighted::new(&inputs.type_mix));
        let mut variant_seq = 0u64;
        for p in 0..inputs.new_products {
            let product = new_product(inputs, shop, p, &vendors, types.as_ref(), &default_prices, &mut variant_seq);
            products.push(product);
        }
        let new = existing..products.len();
        let sellable: Vec<usize> = (0..products.len()).filter(|&i| products[i].status == ProductStatus::Active).collect();
        let weights = popularity(inputs, &products, &sellable, new.clone());
        let picker = WeightedAliasIndex::new(weights.clone()).expect("at least one active product");
        let mut grouped: HashMap<String, (Vec<usize>, Vec<f64>)> = HashMap::new();
        for (&i, &w) in sellable.iter().zip(&weights) {
            let entry = grouped.entry(products[i].product_type.clone()).or_default();
            entry.0.push(i);
            entry.1.push(w);
        }
        let total: f64 = weights.iter().sum();
        let mut type_share: HashMap<String, f64> = grouped.iter().map(|(t, (_, w))| (t.clone(), w.iter().sum::<f64>() / total)).collect();
        type_share.retain(|t, s| !t.is_empty() && *s > 0.0);
        let mut types: Vec<(String, f64)> = type_share.iter().map(|(t, s)| (t.clone(), *s)).collect();
        types.sort_by(|a, b| a.0.cmp(&b.0));
        let favourites = WeightedIndex::new(types.iter().map(|(_, s)| *s)).ok().map(|i| (types.into_iter().map(|(t, _)| t).collect(), i));
        let by_type =
            grouped.into_iter().filter_map(|(t, (items, w))| WeightedAliasIndex::new(w).ok().map(|index| (t, (items, index)))).collect();
        let earliest = sellable.iter().copied().min_by_key(|&i| products[i].created_at).expect("at least one active product");
        Catalogue { products, new, sellable, picker, by_type, type_share, favourites, earliest }
    }

    pub fn new_products(&self) -> &[ProductDraft] {
        &self.products[self.new.clone()]
    }

    /// A product on sale at `at`, by popularity.
    pub fn pick<R: RngExt + ?Sized>(&self, rng: &mut R, at: Seconds) -> usize {
        for _ in 0..16 {
            let i = self.sellable[self.picker.sample(rng)];
            if self.products[i].created_at <= at {
                return i;
            }
        }
        self.earliest
    }

    /// A product of `product_type` on sale at `at`, by popularity; any
    /// product when the type has none.
    pub fn pick_of_type<R: RngExt + ?Sized>(&self, rng: &mut R, at: Seconds, product_type: &str) -> usize {
        if let Some((items, index)) = self.by_type.get(product_type) {
            for _ in 0..8 {
                let i = items[index.sample(rng)];
                if self.products[i].created_at <= at {
                    return i;
                }
            }
        }
        self.pick(rng, at)
    }

    /// A product for a buyer loyal to `favourite`: the type's share of
    /// picks is lifted so that, all picks together, `affinity` of a loyal
    /// buyer's lines fall in it (what the workspace's returning customers do).
    pub fn pick_for<R: RngExt + ?Sized>(&self, rng: &mut R, at: Seconds, favourite: Option<&str>, affinity: Option<f64>) -> usize {
        if let (Some(t), Some(a)) = (favourite, affinity)
            && let Some(share) = self.type_share.get(t)
        {
            let lift = if *share >= 1.0 { 0.0 } else { ((a - share) / (1.0 - share)).clamp(0.0, 1.0) };
            if rng.random_bool(lift) {
                return self.pick_of_type(rng, at, t);
            }
        }
        self.pick(rng, at)
    }

    /// A favourite product type for a customer (by `key`), as likely as the
    /// type's share of sales.
    pub fn favourite_for(&self, key: u64) -> Option<&str> {
        let (types, index) = self.favourites.as_ref()?;
        let mut rng = stream(key, Domain::Catalogue, 3);
        Some(types[index.sample(&mut rng)].as_str())
    }
}

fn existing_product(p: &ExistingProduct, domain: &str) -> Option<ProductDraft> {
    if p.variants.is_empty() {
        return None;
    }
    Some(ProductDraft {
        key: KeyRef::Existing(p.key.clone()),
        generated: false,
        seq: None,
        title: Arc::from(p.title.as_str()),
        handle: slug(&p.title),
        page: storefront_page(domain, &format!("products/{}", slug(&p.title))),
        product_type: p.product_type.clone().unwrap_or_default(),
        vendor: Arc::from(p.vendor.as_deref().unwrap_or_default()),
        tags: String::new(),
        created_at: p.created_at.unwrap_or(i64::MIN / 2),
        status: ProductStatus::Active,
        kind: ProductKind::Physical,
        has_options: p.variants.len() > 1,
        weight_grams: 500,
        order_lines: p.order_lines,
        variants: p
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| VariantDraft {
                key: v.key.clone().map(KeyRef::Existing),
                seq: None,
                title: Arc::from(v.title.as_deref().unwrap_or("Default Title")),
                options: Vec::new(),
                sku: Arc::from(v.sku.as_deref().unwrap_or_default()),
                price: v.price,
                compare_at: None,
                inventory: 0,
                position: i as u32 + 1,
            })
            .collect(),
    })
}

/// The brands a store carries, with their weights: its existing vendors
/// (by how many products each has), else a few companies.
fn vendors(inputs: &StoreInputs) -> Weighted<String> {
    if !inputs.vendor_mix.is_empty() {
        return Weighted::new(&inputs.vendor_mix);
    }
    let mut rng = stream(inputs.seed, Domain::Catalogue, 1);
    let n = rng.random_range(3..=7);
    let names: Vec<(String, f64)> = (0..n).map(|_| (CompanyName().fake_with_rng(&mut rng), 1.0)).collect();
    Weighted::new(&names)
}

fn new_product(
    inputs: &StoreInputs,
    shop: &ShopDraft,
    p: u32,
    vendors: &Weighted<String>,
    types: Option<&Weighted<String>>,
    default_prices: &Percentiles,
    variant_seq: &mut u64,
) -> ProductDraft {
    let mut rng = stream(inputs.seed, Domain::Product, u64::from(p));
    let vertical = &VERTICALS[shop.vertical];
    let ptype: &ProductType = &vertical.types[rng.random_range(0..vertical.types.len())];
    let noun = ptype.nouns[rng.random_range(0..ptype.nouns.len())];
    let qualifier = ptype.qualifiers[rng.random_range(0..ptype.qualifiers.len())];
    let title = format!("{qualifier} {noun}");
    let product_type = types.map_or_else(|| ptype.name.to_string(), |t| t.pick(&mut rng));
    let vendor = vendors.pick(&mut rng);
    // Four in five products predate the period; the rest launch during it.
    let period = inputs.period;
    let created_at =
        if rng.random_bool(0.8) { period.start - rng.random_range(DAY..730 * DAY) } else { rng.random_range(period.start..period.end) };
    let status = match rng.random_range(0..100) {
        0..90 => ProductStatus::Active,
        90..96 => ProductStatus::Draft,
        _ => ProductStatus::Archived,
    };
    // Measured prices (of the product's type where known) are used as they
    // are; defaults follow the taxonomy's type.
    let measured = inputs.prices_by_type.iter().find(|(t, _)| *t == product_type).map(|(_, p)| p).or(inputs.prices.as_ref());
    let base = match measured {
        Some(prices) => prices.sample(&mut rng),
        None => default_prices.sample(&mut rng) * ptype.price_factor,
    };
    let ending = rng.random_range(0..3u8);
    let compare = rng.random_bool(0.25).then(|| rng.random_range(1.15..1.5));
    let single = inputs.single_variant_share.is_some_and(|share| rng.random_bool(share.clamp(0.0, 1.0)));
    let axes = if single { Vec::new() } else { choose_axes(ptype, &mut rng) };
    let combos = combinations(&axes);
    let sku_stem = format!("{}-{:04}", vendor_code(&vendor), p + 1);
    let variants = combos
        .into_iter()
        .enumerate()
        .map(|(i, options)| {
            // Bigger sizes and packs cost more; colours do not.
            let steps: usize = options.iter().map(|(axis, _, step)| if priced_axis(axis) { *step } else { 0 }).sum();
            let price = retail_price(base * (1.0 + 0.12 * steps as f64), ending);
            let seq = *variant_seq;
            *variant_seq += 1;
            let title = if options.is_empty() {
                "Default Title".to_string()
            } else {
                options.iter().map(|(_, v, _)| *v).collect::<Vec<_>>().join(" / ")
            };
            let sku = options.iter().fold(sku_stem.clone(), |s, (_, v, _)| format!("{s}-{}", option_code(v)));
            VariantDraft {
                key: Some(KeyRef::New(seq)),
                seq: Some(seq),
                title: Arc::from(title),
                options: options.iter().map(|(a, v, _)| (*a, v.to_string())).collect(),
                sku: Arc::from(sku),
                price,
                compare_at: compare.map(|f| retail_price(price as f64 / 100.0 * f, ending)),
                inventory: if rng.random_bool(0.08) { 0 } else { rng.random_range(1..=250) },
                position: i as u32 + 1,
            }
        })
        .collect::<Vec<_>>();
    let tags = [ptype.name, vertical.name, if compare.is_some() { "sale" } else { "" }]
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| t.to_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    let handle = format!("{}-{}", slug(&title), p + 1);
    ProductDraft {
        key: KeyRef::New(u64::from(p)),
        generated: true,
        seq: Some(u64::from(p)),
        page: storefront_page(&shop.domain, &format!("products/{handle}")),
        handle,
        title: Arc::from(title),
        product_type,
        vendor: Arc::from(vendor),
        tags,
        created_at,
        status,
        kind: if ptype.virtual_goods { ProductKind::Virtual } else { ProductKind::Physical },
        has_options: !axes.is_empty(),
        weight_grams: if ptype.virtual_goods { 0 } else { rng.random_range(80..2500) },
        order_lines: 0,
        variants,
    }
}

type Axis = (&'static str, Vec<&'static str>);

/// The option axes a product uses, each with a run of its values.
fn choose_axes<R: RngExt>(ptype: &ProductType, rng: &mut R) -> Vec<Axis> {
    let used = match ptype.axes.len() {
        0 => 0,
        1 => usize::from(rng.random_bool(0.8)),
        _ => match rng.random_range(0..10) {
            0..6 => 2,
            6..9 => 1,
            _ => 0,
        },
    };
    ptype.axes[..used]
        .iter()
        .map(|axis| {
            let n = axis.values.len();
            let count = rng.random_range(2.min(n)..=n.min(if used == 2 { 3 } else { 5 }));
            let start = rng.random_range(0..=n - count);
            (axis.name, axis.values[start..start + count].to_vec())
        })
        .collect()
}

/// Every combination of the axes' values, with each value's step along its
/// axis (for pricing), capped at 12 variants.
fn combinations(axes: &[Axis]) -> Vec<Vec<(&'static str, &'static str, usize)>> {
    let mut out: Vec<Vec<(&'static str, &'static str, usize)>> = vec![Vec::new()];
    for (name, values) in axes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().enumerate().map(move |(i, v)| {
                    let mut next = prefix.clone();
                    next.push((*name, *v, i));
                    next
                })
            })
            .collect();
    }
    out.truncate(12);
    out
}

fn priced_axis(axis: &str) -> bool {
    matches!(axis, "Volume" | "Weight" | "Pack" | "Capacity" | "Size")
}

fn vendor_code(vendor: &str) -> String {
    let code: String = vendor.chars().filter(|c| c.is_ascii_alphabetic()).take(3).collect();
    if code.is_empty() { "SKU".into() } else { code.to_ascii_uppercase() }
}

fn option_code(value: &str) -> String {
    let words: Vec<&str> = value.split_whitespace().collect();
    let code: String = if words.len() > 1 {
        words.iter().filter_map(|w| w.chars().next()).collect()
    } else {
        value.chars().filter(|c| c.is_ascii_alphanumeric()).take(3).collect()
    };
    code.to_ascii_uppercase()
}

/// Pick weights of the sellable products. Existing ones keep their measured
/// popularity (order lines); new products follow a Zipf-like curve (a few
/// best sellers, a long tail) and together take the share of lines the
/// workspace gives products outside the sample (or, without a measure, a
/// share in proportion to their number).
fn popularity(inputs: &StoreInputs, products: &[ProductDraft], sellable: &[usize], new: Range<usize>) -> Vec<f64> {
    let mut rng = stream(inputs.seed, Domain::Catalogue, 2);
    let new_sellable: Vec<usize> = sellable.iter().copied().filter(|i| new.contains(i)).collect();
    let old_sellable = sellable.len() - new_sellable.len();
    // A random best-seller order among the new products.
    let mut ranks: Vec<usize> = (0..new_sellable.len()).collect();
    for i in (1..ranks.len()).rev() {
        ranks.swap(i, rng.random_range(0..=i));
    }
    let zipf: Vec<f64> = ranks.iter().map(|r| 1.0 / ((*r as f64) + 1.0).powf(0.9)).collect();
    let zipf_total: f64 = zipf.iter().sum();
    let old_total: f64 = sellable.iter().filter(|i| !new.contains(i)).map(|&i| 1.0 + products[i].order_lines as f64).sum();
    let n = sellable.len() as f64;
    let new_share = match (old_sellable, new_sellable.len()) {
        (0, _) => 1.0,
        (_, 0) => 0.0,
        _ => inputs.new_product_share.unwrap_or(new_sellable.len() as f64 / n).clamp(0.0, 1.0),
    };
    let mut new_rank = 0;
    sellable
        .iter()
        .map(|&i| {
            if new.contains(&i) {
                let w = zipf[new_rank] / zipf_total * new_share;
                new_rank += 1;
                w
            } else {
                (1.0 + products[i].order_lines as f64) / old_total.max(1.0) * (1.0 - new_share)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time::Period;
    use crate::platforms::store::inputs::ExistingVariant;

    fn inputs() -> StoreInputs {
        StoreInputs::defaults(11, 500, Period { start: 1_700_000_000, end: 1_700_000_000 + 90 * DAY })
    }

    #[test]
    fn new_products_are_coherent() {
        let i = inputs();
        let shop = ShopDraft::new(&i);
        let c = Catalogue::new(&i, &shop);
        assert_eq!(c.new_products().len(), i.new_products as usize);
        let mut seqs = Vec::new();
        for p in c.new_products() {
            assert!(!p.variants.is_empty() && p.variants.len() <= 12);
            assert_eq!(p.has_options, &*p.variants[0].title != "Default Title");
            for v in &p.variants {
                assert!(v.price >= 95, "{} costs {}", p.title, v.price);
                assert!(v.compare_at.is_none_or(|c| c > v.price));
                assert!(v.sku.starts_with(&vendor_code(&p.vendor)));
                seqs.push(v.seq.unwrap());
            }
        }
        let expected: Vec<u64> = (0..seqs.len() as u64).collect();
        assert_eq!(seqs, expected, "variant sequence numbers are contiguous");
    }

    #[test]
    fn picks_follow_popularity_and_launch_dates() {
        let mut i = inputs();
        i.existing_products = vec![ExistingProduct {
            key: Arc::from("\"p-best\""),
            title: "Best Seller".into(),
            product_type: None,
            vendor: None,
            created_at: Some(0),
            order_lines: 10_000,
            variants: vec![ExistingVariant { key: Some(Arc::from("\"v-best\"")), title: None, sku: None, price: 2500 }],
        }];
        let shop = ShopDraft::new(&i);
        let c = Catalogue::new(&i, &shop);
        let mut rng = stream(1, Domain::Order, 0);
        let at = i.period.end;
        let picks: Vec<usize> = (0..5000).map(|_| c.pick(&mut rng, at)).collect();
        let best = picks.iter().filter(|&&p| p == 0).count();
        assert!(best > 100, "the existing product sells: {best}");
        assert!(picks.iter().all(|&p| c.products[p].status == ProductStatus::Active));
        let early = i.period.start;
        assert!((0..2000).all(|_| c.products[c.pick(&mut rng, early)].created_at <= early));
    }
}
