//! What a store sells: verticals, their product types, and what makes a
//! product of that type believable (the words in its title, its options, its
//! price). The `fake` crate supplies people, places and companies but has no
//! commerce vocabulary, and a product title has to agree with its type,
//! options and price (a "Merino Crew Sweater" in sizes, a "Vanilla Face
//! Serum" in millilitres), which a free word list cannot give; so this is
//! domain data, kept in one place.
//!
//! Typical order values per vertical come from benchmarks.md (Littledata,
//! Oberlo): luxury ~$436, home ~$253, fashion ~$196, food & drink ~$114,
//! pet ~$83, beauty ~$71.

/// One axis of variants (size, colour, volume...).
#[derive(Debug)]
pub struct OptionAxis {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

#[derive(Debug)]
pub struct ProductType {
    pub name: &'static str,
    pub nouns: &'static [&'static str],
    pub qualifiers: &'static [&'static str],
    /// Up to two axes; products of the type use none, one or both.
    pub axes: &'static [&'static OptionAxis],
    /// Typical price relative to the vertical's median unit price.
    pub price_factor: f64,
    /// Sold as a download or a service (no shipping).
    pub virtual_goods: bool,
}

#[derive(Debug)]
pub struct Vertical {
    pub name: &'static str,
    /// Words shop names are made with ("Hartmann Outfitters").
    pub shop_words: &'static [&'static str],
    /// Median unit price in USD, such that orders of ~4.4 units land near
    /// the vertical's published average order value.
    pub median_price: f64,
    pub types: &'static [ProductType],
}

const SIZES: OptionAxis = OptionAxis { name: "Size", values: &["XS", "S", "M", "L", "XL", "XXL"] };
const SHOE_SIZES: OptionAxis = OptionAxis { name: "Size", values: &["6", "7", "8", "9", "10", "11", "12"] };
const COLORS: OptionAxis = OptionAxis {
    name: "Color",
    values: &["Black", "White", "Navy", "Heather Grey", "Olive", "Sand", "Burgundy", "Sage", "Charcoal", "Rust", "Cream", "Sky Blue"],
};
const VOLUMES: OptionAxis = OptionAxis { name: "Volume", values: &["30 ml", "50 ml", "100 ml", "200 ml"] };
const SHADES: OptionAxis = OptionAxis { name: "Shade", values: &["Fair", "Light", "Medium", "Tan", "Deep", "Rich"] };
const SCENTS: OptionAxis = OptionAxis { name: "Scent", values: &["Unscented", "Lavender", "Citrus", "Sandalwood", "Rose", "Eucalyptus"] };
const WEIGHTS: OptionAxis = OptionAxis { name: "Weight", values: &["250 g", "500 g", "1 kg", "2 kg"] };
const PACKS: OptionAxis = OptionAxis { name: "Pack", values: &["Single", "Pack of 3", "Pack of 6", "Pack of 12"] };
const FLAVORS: OptionAxis =
    OptionAxis { name: "Flavor", values: &["Original", "Dark Chocolate", "Sea Salt", "Vanilla", "Cinnamon", "Hazelnut", "Berry"] };
const GRINDS: OptionAxis = OptionAxis { name: "Grind", values: &["Whole Bean", "Espresso", "Filter", "French Press"] };
const PET_SIZES: OptionAxis = OptionAxis { name: "Size", values: &["Small", "Medium", "Large", "X-Large"] };
const FINISHES: OptionAxis = OptionAxis { name: "Finish", values: &["Natural Oak", "Walnut", "Matte Black", "White Ash", "Brass"] };
const DIMENSIONS: OptionAxis = OptionAxis { name: "Size", values: &["Small", "Medium", "Large"] };
const METALS: OptionAxis = OptionAxis { name: "Metal", values: &["Sterling Silver", "18k Gold Vermeil", "Rose Gold", "Platinum"] };
const CAPACITIES: OptionAxis = OptionAxis { name: "Capacity", values: &["64 GB", "128 GB", "256 GB"] };

pub static VERTICALS: &[Vertical] = &[
    Vertical {
        name: "Apparel & Accessories",
        shop_words: &["Outfitters", "Apparel", "Clothing Co.", "Threads", "Supply"],
        median_price: 37.0,
        types: &[
            ProductType {
                name: "T-Shirts",
                nouns: &["Tee", "Crew Neck Tee", "Pocket Tee", "V-Neck Tee", "Long Sleeve Tee"],
                qualifiers: &["Organic Cotton", "Essential", "Heavyweight", "Slub", "Vintage Wash", "Pima", "Everyday"],
                axes: &[&SIZES, &COLORS],
                price_factor: 0.8,
                virtual_goods: false,
            },
            ProductType {
                name: "Sweaters",
                nouns: &["Crew Sweater", "Cardigan", "Quarter Zip", "Turtleneck", "Hoodie"],
                qualifiers: &["Merino", "Cashmere Blend", "Chunky Knit", "Lambswool", "Fleece", "Cable Knit"],
                axes: &[&SIZES, &COLORS],
                price_factor: 2.0,
                virtual_goods: false,
            },
            ProductType {
                name: "Pants",
                nouns: &["Chinos", "Joggers", "Straight Jeans", "Slim Jeans", "Cargo Pants", "Shorts"],
                qualifiers: &["Stretch", "Relaxed", "Selvedge", "Twill", "Linen", "Utility"],
                axes: &[&SIZES, &COLORS],
                price_factor: 1.7,
                virtual_goods: false,
            },
            ProductType {
                name: "Shoes",
                nouns: &["Sneakers", "Chelsea Boots", "Loafers", "Runners", "Sandals"],
                qualifiers: &["Leather", "Suede", "Canvas", "Trail", "Minimalist", "Classic"],
                axes: &[&SHOE_SIZES],
                price_factor: 3.0,
                virtual_goods: false,
            },
            ProductType {
                name: "Accessories",
                nouns: &["Beanie", "Tote Bag", "Belt", "Scarf", "Cap", "Socks"],
                qualifiers: &["Ribbed", "Waxed Canvas", "Leather", "Wool", "Recycled", "Everyday"],
                axes: &[&COLORS],
                price_factor: 0.6,
                virtual_goods: false,
            },
            ProductType {
                name: "Gift Cards",
                nouns: &["Gift Card", "E-Gift Card"],
                qualifiers: &["Digital", "Store"],
                axes: &[],
                price_factor: 1.5,
                virtual_goods: true,
            },
        ],
    },
    Vertical {
        name: "Health & Beauty",
        shop_words: &["Skincare", "Beauty", "Botanicals", "Apothecary", "Labs"],
        median_price: 13.0,
        types: &[
            ProductType {
                name: "Skincare",
                nouns: &["Face Serum", "Moisturizer", "Cleanser", "Eye Cream", "Toner", "Face Oil"],
                qualifiers: &["Hydrating", "Vitamin C", "Retinol", "Hyaluronic", "Gentle", "Overnight", "Brightening"],
                axes: &[&VOLUMES],
                price_factor: 1.6,
                virtual_goods: false,
            },
            ProductType {
                name: "Makeup",
                nouns: &["Foundation", "Concealer", "Lip Tint", "Mascara", "Bronzer", "Brow Gel"],
                qualifiers: &["Matte", "Dewy", "Long-Wear", "Sheer", "Buildable", "Natural"],
                axes: &[&SHADES],
                price_factor: 1.2,
                virtual_goods: false,
            },
            ProductType {
                name: "Bath & Body",
                nouns: &["Body Wash", "Body Lotion", "Hand Cream", "Bath Salts", "Body Scrub", "Soap Bar"],
                qualifiers: &["Nourishing", "Whipped", "Mineral", "Exfoliating", "Calming", "Shea"],
                axes: &[&SCENTS],
                price_factor: 0.8,
                virtual_goods: false,
            },
            ProductType {
                name: "Hair Care",
                nouns: &["Shampoo", "Conditioner", "Hair Mask", "Styling Cream", "Scalp Serum"],
                qualifiers: &["Repairing", "Volumizing", "Curl-Defining", "Sulfate-Free", "Argan", "Clarifying"],
                axes: &[&VOLUMES],
                price_factor: 1.0,
                virtual_goods: false,
            },
        ],
    },
    Vertical {
        name: "Home & Garden",
        shop_words: &["Home", "Living", "House & Co.", "Interiors", "Homeware"],
        median_price: 48.0,
        types: &[
            ProductType {
                name: "Furniture",
                nouns: &["Side Table", "Bookshelf", "Lounge Chair", "Bench", "Console Table", "Stool"],
                qualifiers: &["Solid Oak", "Mid-Century", "Rattan", "Walnut", "Industrial", "Scandinavian"],
                axes: &[&FINISHES],
                price_factor: 4.5,
                virtual_goods: false,
            },
            ProductType {
                name: "Bedding",
                nouns: &["Duvet Cover", "Sheet Set", "Pillowcase Pair", "Throw Blanket", "Quilt"],
                qualifiers: &["Linen", "Percale", "Sateen", "Waffle Knit", "Organic Cotton", "Washed"],
                axes: &[&DIMENSIONS, &COLORS],
                price_factor: 1.8,
                virtual_goods: false,
            },
            ProductType {
                name: "Kitchen",
                nouns: &["Chef's Knife", "Dutch Oven", "Cutting Board", "Mixing Bowl Set", "Pour-Over Kettle", "Skillet"],
                qualifiers: &["Cast Iron", "Carbon Steel", "Ceramic", "Olive Wood", "Enamelled", "Stainless"],
                axes: &[&DIMENSIONS],
                price_factor: 1.3,
                virtual_goods: false,
            },
            ProductType {
                name: "Decor",
                nouns: &["Vase", "Candle", "Wall Mirror", "Planter", "Table Lamp", "Picture Frame"],
                qualifiers: &["Stoneware", "Hand-Blown", "Brass", "Terracotta", "Minimal", "Sculpted"],
                axes: &[&DIMENSIONS],
                price_factor: 0.7,
                virtual_goods: false,
            },
        ],
    },
    Vertical {
        name: "Food & Drink",
        shop_words: &["Pantry", "Roasters", "Provisions", "Kitchen", "Market"],
        median_price: 21.0,
        types: &[
            ProductType {
                name: "Coffee",
                nouns: &["Espresso Blend", "Single Origin", "Decaf", "Cold Brew Blend", "House Roast"],
                qualifiers: &["Ethiopian", "Colombian", "Guatemalan", "Dark Roast", "Light Roast", "Organic"],
                axes: &[&WEIGHTS, &GRINDS],
                price_factor: 0.9,
                virtual_goods: false,
            },
            ProductType {
                name: "Snacks",
                nouns: &["Granola", "Trail Mix", "Protein Bar", "Crackers", "Roasted Almonds"],
                qualifiers: &["Maple", "Honey", "Spicy", "Toasted", "Keto", "Small-Batch"],
                axes: &[&FLAVORS, &PACKS],
                price_factor: 0.5,
                virtual_goods: false,
            },
            ProductType {
                name: "Tea",
                nouns: &["Green Tea", "Chai", "Earl Grey", "Herbal Infusion", "Matcha"],
                qualifiers: &["Ceremonial", "Loose Leaf", "Smoked", "Jasmine", "Organic", "Spiced"],
                axes: &[&WEIGHTS],
                price_factor: 0.8,
                virtual_goods: false,
            },
            ProductType {
                name: "Subscriptions",
                nouns: &["Tasting Box", "Monthly Subscription", "Sampler Box"],
                qualifiers: &["Curated", "Seasonal", "Discovery"],
                axes: &[],
                price_factor: 2.2,
                virtual_goods: false,
            },
        ],
    },
    Vertical {
        name: "Pet Supplies",
        shop_words: &["Pet Co.", "Paws", "Pet Supply", "Tails", "Companions"],
        median_price: 15.7,
        types: &[
            ProductType {
                name: "Pet Food",
                nouns: &["Dog Food", "Cat Food", "Puppy Kibble", "Dental Chews", "Training Treats"],
                qualifiers: &["Grain-Free", "Salmon", "Chicken & Rice", "Freeze-Dried", "Senior", "Limited Ingredient"],
                axes: &[&WEIGHTS],
                price_factor: 1.4,
                virtual_goods: false,
            },
            ProductType {
                name: "Pet Toys",
                nouns: &["Chew Toy", "Rope Toy", "Puzzle Feeder", "Cat Wand", "Squeaky Ball"],
                qualifiers: &["Durable", "Interactive", "Natural Rubber", "Plush", "Eco"],
                axes: &[&PET_SIZES],
                price_factor: 0.6,
                virtual_goods: false,
            },
            ProductType {
                name: "Pet Accessories",
                nouns: &["Collar", "Leash", "Harness", "Pet Bed", "Food Bowl"],
                qualifiers: &["Padded", "Reflective", "Waterproof", "Orthopedic", "Ceramic", "Adjustable"],
                axes: &[&PET_SIZES, &COLORS],
                price_factor: 1.5,
                virtual_goods: false,
            },
        ],
    },
    Vertical {
        name: "Jewelry & Watches",
        shop_words: &["Jewelry", "Atelier", "Fine Jewellery", "Goldsmiths", "Collective"],
        median_price: 82.0,
        types: &[
            ProductType {
                name: "Necklaces",
                nouns: &["Pendant Necklace", "Chain Necklace", "Locket", "Choker"],
                qualifiers: &["Dainty", "Pearl", "Birthstone", "Engraved", "Minimal"],
                axes: &[&METALS],
                price_factor: 1.2,
                virtual_goods: false,
            },
            ProductType {
                name: "Rings",
                nouns: &["Stacking Ring", "Signet Ring", "Band", "Solitaire Ring"],
                qualifiers: &["Hammered", "Diamond", "Sapphire", "Twisted", "Classic"],
                axes: &[&METALS],
                price_factor: 1.5,
                virtual_goods: false,
            },
            ProductType {
                name: "Watches",
                nouns: &["Field Watch", "Dress Watch", "Diver Watch", "Chronograph"],
                qualifiers: &["Automatic", "Sapphire Crystal", "Titanium", "Heritage"],
                axes: &[&COLORS],
                price_factor: 3.5,
                virtual_goods: false,
            },
            ProductType {
                name: "Smart Accessories",
                nouns: &["Smart Ring", "Watch Strap", "Charging Dock"],
                qualifiers: &["Wireless", "Leather", "Sport"],
                axes: &[&CAPACITIES],
                price_factor: 0.9,
                virtual_goods: false,
            },
        ],
    },
];

/// The vertical whose product type names best match `types` (existing
/// products' types), if any does.
pub fn vertical_for_types<'a>(types: impl Iterator<Item = &'a str> + Clone) -> Option<usize> {
    VERTICALS
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let hits = types
                .clone()
                .filter(|t| v.types.iter().any(|pt| pt.name.eq_ignore_ascii_case(t) || pt.nouns.iter().any(|n| t.contains(n))))
                .count();
            (i, hits)
        })
        .filter(|(_, hits)| *hits > 0)
        .max_by_key(|(_, hits)| *hits)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vertical_is_usable() {
        for v in VERTICALS {
            assert!(!v.types.is_empty() && !v.shop_words.is_empty() && v.median_price > 0.0, "{}", v.name);
            for t in v.types {
                assert!(!t.nouns.is_empty() && !t.qualifiers.is_empty(), "{}", t.name);
                assert!(t.axes.len() <= 2);
            }
        }
    }

    #[test]
    fn existing_types_find_their_vertical() {
        assert_eq!(vertical_for_types(["Skincare", "Makeup"].into_iter()), Some(1));
        assert_eq!(vertical_for_types(["Widgets"].into_iter()), None);
    }
}
