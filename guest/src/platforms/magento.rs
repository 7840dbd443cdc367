//! Magento 2: product types (simple, configurable with its children as
//! variants, virtual, bundle), order state and status pairs, zero-padded
//! increment ids, negative order discounts, `firstname` / `lastname`.

use rand::RngExt;

use crate::core::money::portion;
use crate::core::rng::{Domain, mix, stream2};
use crate::fields;
use crate::model::row::{KeyRef, Row, Value};
use crate::model::table::{FieldKind as K, TableSpec};
use crate::platforms::store::analysis::StoreFields;
use crate::platforms::store::catalogue::{ProductDraft, ProductKind, ProductStatus, VariantDraft};
use crate::platforms::store::engine::{BuyerView, CustomerDraft, Scene, StoreDefinition, StoreTables, StoreVocabulary};
use crate::platforms::store::orders::{OrderDraft, OrderStatus};
use crate::platforms::store::utm;

fields! {
    pub enum ShopInfo {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        ShopId = "shop_id" ["store_id", "website_id", "id"] K::Key,
        Name = "shop_name" ["name"] K::Text,
        Domain = "shop_domain" ["base_url", "domain"] K::Text,
        Currency = "base_currency_code" ["currency"] K::Text,
        Timezone = "iana_timezone" ["timezone"] K::Text,
        Country = "country_code" [] K::Text,
        Edition = "magento_edition" [] K::Text,
        Created = "created_at" [] K::Time,
    }
}

fields! {
    pub enum Product {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        ProductId = "product_id" ["entity_id", "id"] K::Key,
        Sku = "sku" [] K::Text,
        Name = "name" ["title"] K::Text,
        TypeId = "type_id" [] K::Text,
        AttributeSet = "attribute_set_id" [] K::Int,
        Status = "status" [] K::Int,
        Visibility = "visibility" [] K::Int,
        Price = "price" [] K::Money,
        Weight = "weight" [] ?opt K::Decimal,
        Created = "created_at" [] K::Time,
        Updated = "updated_at" [] K::Time,
    }
}

fields! {
    pub enum Variant {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        VariantId = "variant_id" ["child_id", "id"] K::Key,
        ProductId = "product_id" ["parent_id"] K::Ref { owner: "dm_products_magento" },
        Sku = "sku" [] K::Text,
        Name = "name" [] K::Text,
        Price = "price" [] K::Money,
        Qty = "qty" [] K::Int,
        Created = "created_at" [] K::Time,
    }
}

fields! {
    pub enum Customer {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        CustomerId = "customer_id" ["entity_id", "id"] K::Key,
        Email = "email" [] K::Text,
        FirstName = "firstname" ["first_name"] K::Text,
        LastName = "lastname" ["last_name"] K::Text,
        Group = "group_id" [] K::Int,
        Website = "website_id" [] K::Int,
        CreatedIn = "created_in" [] K::Text,
        Created = "created_at" [] K::Time,
        Updated = "updated_at" [] K::Time,
    }
}

fields! {
    pub enum Order {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        OrderId = "order_id" ["entity_id", "id"] K::Key,
        IncrementId = "increment_id" [] K::Text,
        State = "state" [] K::Text,
        Status = "status" [] K::Text,
        CustomerId = "customer_id" [] ?opt K::Ref { owner: "dm_customers_magento" },
        Email = "customer_email" [] ?opt K::Text,
        FirstName = "customer_firstname" [] ?opt K::Text,
        LastName = "customer_lastname" [] ?opt K::Text,
        Guest = "customer_is_guest" [] K::Bool,
        Currency = "order_currency_code" ["base_currency_code"] K::Text,
        Subtotal = "subtotal" [] K::Money,
        Discount = "discount_amount" [] K::Money,
        Shipping = "shipping_amount" [] K::Money,
        Tax = "tax_amount" [] K::Money,
        GrandTotal = "grand_total" [] K::Money,
        Qty = "total_qty_ordered" [] K::Int,
        ItemCount = "total_item_count" [] K::Int,
        UtmSource = "utm_source" [] ?opt K::Text,
        UtmMedium = "utm_medium" [] ?opt K::Text,
        UtmCampaign = "utm_campaign" [] ?opt K::Text,
        Gclid = "gclid" ["click_id"] ?opt K::Text,
        Created = "created_at" [] K::Time,
        Updated = "updated_at" [] K::Time,
    }
}

fields! {
    pub enum Item {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        LineItemId = "line_item_id" ["item_id", "id"] K::Key,
        OrderId = "order_id" [] K::Ref { owner: "dm_orders_magento" },
        ProductId = "product_id" [] K::Ref { owner: "dm_products_magento" },
        VariantId = "variant_id" [] ?opt K::Ref { owner: "dm_variants_magento" },
        Sku = "sku" [] K::Text,
        Name = "name" [] K::Text,
        ProductType = "product_type" [] K::Text,
        Qty = "qty_ordered" [] K::Int,
        Price = "price" [] K::Money,
        RowTotal = "row_total" [] K::Money,
        Discount = "discount_amount" [] K::Money,
        Tax = "tax_amount" [] K::Money,
        Created = "created_at" [] K::Time,
    }
}

static SHOP_INFO: TableSpec =
    TableSpec { name: "dm_shop_info_magento", fields: ShopInfo::SPECS, marker: "shop_id", created: Some("created_at") };
static PRODUCTS: TableSpec =
    TableSpec { name: "dm_products_magento", fields: Product::SPECS, marker: "product_id", created: Some("created_at") };
static VARIANTS: TableSpec =
    TableSpec { name: "dm_variants_magento", fields: Variant::SPECS, marker: "variant_id", created: Some("created_at") };
static CUSTOMERS: TableSpec =
    TableSpec { name: "dm_customers_magento", fields: Customer::SPECS, marker: "customer_id", created: Some("created_at") };
static ORDERS: TableSpec = TableSpec { name: "dm_orders_magento", fields: Order::SPECS, marker: "order_id", created: Some("created_at") };
static ITEMS: TableSpec =
    TableSpec { name: "dm_order_items_magento", fields: Item::SPECS, marker: "line_item_id", created: Some("created_at") };

static TABLE_LIST: [&TableSpec; 6] = [&SHOP_INFO, &PRODUCTS, &VARIANTS, &CUSTOMERS, &ORDERS, &ITEMS];

/// Magento 2's order state and status pairs.
static STATUSES: &[OrderStatus] = &[
    OrderStatus { labels: &["complete", "complete"], code: 0, settled: 0.74, recent: 0.05, revenue: true, shipped: true, cancelled: false },
    OrderStatus {
        labels: &["processing", "processing"],
        code: 0,
        settled: 0.07,
        recent: 0.56,
        revenue: true,
        shipped: false,
        cancelled: false,
    },
    OrderStatus { labels: &["new", "pending"], code: 0, settled: 0.02, recent: 0.15, revenue: false, shipped: false, cancelled: false },
    OrderStatus {
        labels: &["pending_payment", "pending_payment"],
        code: 0,
        settled: 0.01,
        recent: 0.08,
        revenue: false,
        shipped: false,
        cancelled: false,
    },
    OrderStatus {
        labels: &["payment_review", "payment_review"],
        code: 0,
        settled: 0.005,
        recent: 0.04,
        revenue: false,
        shipped: false,
        cancelled: false,
    },
    OrderStatus { labels: &["holded", "holded"], code: 0, settled: 0.01, recent: 0.03, revenue: false, shipped: false, cancelled: false },
    OrderStatus {
        labels: &["canceled", "canceled"],
        code: 0,
        settled: 0.05,
        recent: 0.03,
        revenue: false,
        shipped: false,
        cancelled: true,
    },
    OrderStatus { labels: &["closed", "closed"], code: 0, settled: 0.045, recent: 0.01, revenue: false, shipped: true, cancelled: false },
];

pub struct Magento;

pub static MAGENTO: StoreDefinition = StoreDefinition {
    name: "magento",
    description: "Magento 2 store: store settings, catalog products, configurable children, customers, sales orders and order items",
    tables: StoreTables {
        shop: &SHOP_INFO,
        products: &PRODUCTS,
        variants: &VARIANTS,
        customers: &CUSTOMERS,
        orders: &ORDERS,
        items: &ITEMS,
        events: None,
    },
    in_order: &TABLE_LIST,
    fields: StoreFields {
        shop_currency: "base_currency_code",
        shop_timezone: "iana_timezone",
        shop_name: "shop_name",
        shop_domain: "shop_domain",
        shop_country: "country_code",
        product_title: "name",
        product_type: "",
        product_vendor: "",
        product_created: "created_at",
        product_price: "price",
        variant_product: "product_id",
        variant_price: "price",
        variant_title: "name",
        variant_sku: "sku",
        customer_created: "created_at",
        customer_email: "email",
        customer_first_name: "firstname",
        customer_last_name: "lastname",
        order_created: "created_at",
        order_number: "increment_id",
        item_order: "order_id",
        item_product: "product_id",
        item_quantity: "qty_ordered",
        order_customer: "customer_id",
        order_currency: "order_currency_code",
        order_subtotal: "subtotal",
        order_discount: "discount_amount",
        order_statuses: &["state", "status"],
        item_price: "price",
        item_discount: "discount_amount",
        item_variant: "variant_id",
        event_name: "",
        event_session: "",
        event_time: "",
    },
    vocabulary: &Magento,
};

/// Magento's product type: configurable when sold in options; virtual for
/// goods that do not ship; some single items are bundles.
fn type_id(p: &ProductDraft) -> &'static str {
    if p.has_options {
        "configurable"
    } else if p.kind == ProductKind::Virtual {
        "virtual"
    } else if p.generated && mix(p.seq.unwrap_or(0) ^ 0xb0d1e) % 100 < 8 {
        "bundle"
    } else {
        "simple"
    }
}

fn child_name(p: &ProductDraft, v: &VariantDraft) -> String {
    format!("{}-{}", p.title, v.options.iter().map(|(_, value)| value.as_str()).collect::<Vec<_>>().join("-"))
}

impl StoreVocabulary for Magento {
    fn statuses(&self) -> &'static [OrderStatus] {
        STATUSES
    }

    /// Children of configurable products are the variants.
    fn variant_rows(&self, product: &ProductDraft) -> bool {
        product.has_options
    }

    fn shop_row(&self, s: &Scene, row: &mut Row) {
        let shop = s.shop;
        row.set(ShopInfo::ShopId, Value::NewKey(0))
            .set(ShopInfo::Name, shop.name.clone())
            .set(ShopInfo::Domain, format!("https://{}/", shop.domain))
            .set(ShopInfo::Currency, &shop.currency)
            .set(ShopInfo::Timezone, shop.timezone.clone())
            .set(ShopInfo::Country, shop.country_code.clone())
            .set(ShopInfo::Edition, if shop.plan_tier >= 2 { "Adobe Commerce 2.4.7" } else { "Magento Open Source 2.4.7" })
            .set(ShopInfo::Created, Value::Time(shop.created_at));
    }

    fn product_row(&self, s: &Scene, p: &ProductDraft, row: &mut Row) {
        let base = &p.variants[0];
        row.set(Product::ProductId, &p.key)
            .set(
                Product::Sku,
                if p.has_options { Value::from(base.sku.split('-').take(2).collect::<Vec<_>>().join("-")) } else { Value::from(&base.sku) },
            )
            .set(Product::Name, p.title.clone())
            .set(Product::TypeId, type_id(p))
            .set(Product::AttributeSet, Value::Int(if p.has_options { 9 } else { 4 }))
            .set(Product::Status, Value::Int(if p.status == ProductStatus::Active { 1 } else { 2 }))
            .set(Product::Visibility, Value::Int(if p.status == ProductStatus::Archived { 1 } else { 4 }))
            .set(Product::Price, Value::Money(p.variants.iter().map(|v| v.price).min().unwrap_or(base.price)))
            .set(Product::Weight, (p.kind == ProductKind::Physical).then_some(Value::Decimal(f64::from(p.weight_grams) / 1000.0)))
            .set(Product::Created, Value::Time(p.created_at))
            .set(Product::Updated, Value::Time(s.touched(p.created_at)));
    }

    fn variant_row(&self, _s: &Scene, p: &ProductDraft, v: &VariantDraft, row: &mut Row) {
        row.set(Variant::VariantId, v.key.as_ref().map(Value::from))
            .set(Variant::ProductId, &p.key)
            .set(Variant::Sku, v.sku.clone())
            .set(Variant::Name, child_name(p, v))
            .set(Variant::Price, Value::Money(v.price))
            .set(Variant::Qty, Value::Int(v.inventory))
            .set(Variant::Created, Value::Time(p.created_at));
    }

    fn customer_row(&self, s: &Scene, c: CustomerDraft, row: &mut Row) {
        let id = c.identity;
        let mut rng = stream2(s.inputs.seed, Domain::Customer, c.seq, 4);
        let group = match rng.random_range(0..100) {
            0..93 => 1,
            93..98 => 2,
            _ => 3,
        };
        row.set(Customer::CustomerId, Value::NewKey(c.seq))
            .set(Customer::Email, id.email)
            .set(Customer::FirstName, id.first_name)
            .set(Customer::LastName, id.last_name)
            .set(Customer::Group, Value::Int(group))
            .set(Customer::Website, Value::Int(1))
            .set(Customer::CreatedIn, "Default Store View")
            .set(Customer::Created, Value::Time(c.created_at))
            .set(Customer::Updated, Value::Time(c.last_order_at));
    }

    fn order_row(&self, s: &Scene, o: &OrderDraft, buyer: Option<BuyerView>, row: &mut Row) {
        let status = s.status(o);
        if let Some(b) = &buyer {
            row.set(Order::FirstName, b.first_name.clone()).set(Order::LastName, b.last_name.clone());
        }
        let (utm_source, utm_medium, utm_campaign, click) = utm(&o.source);
        row.set(Order::OrderId, Value::NewKey(o.slot))
            .set(Order::IncrementId, format!("{:09}", o.number))
            .set(Order::State, status.labels[0])
            .set(Order::Status, status.labels[1])
            .set(Order::CustomerId, buyer.as_ref().map(|b| Value::from(&b.key)))
            .set(Order::Guest, buyer.is_none())
            .set(Order::Email, buyer.and_then(|b| b.email))
            .set(Order::Currency, &s.shop.currency)
            .set(Order::Subtotal, Value::Money(o.gross))
            // Magento stores the order's discount as a negative amount.
            .set(Order::Discount, Value::Money(-o.discounts))
            .set(Order::Shipping, Value::Money(o.shipping))
            .set(Order::Tax, Value::Money(o.tax))
            .set(Order::GrandTotal, Value::Money(o.total))
            .set(Order::Qty, Value::Int(i64::from(o.units())))
            .set(Order::ItemCount, Value::Int(o.lines.len() as i64))
            .set(Order::UtmSource, utm_source)
            .set(Order::UtmMedium, utm_medium)
            .set(Order::UtmCampaign, utm_campaign)
            .set(Order::Gclid, click)
            .set(Order::Created, Value::Time(o.at))
            .set(Order::Updated, Value::Time(o.updated_at));
    }

    fn item_row(&self, s: &Scene, o: &OrderDraft, line: usize, seq: u64, variant_key: Option<&KeyRef>, row: &mut Row) {
        let l = &o.lines[line];
        let p = s.product(l);
        let v = s.variant(l);
        row.set(Item::LineItemId, Value::NewKey(seq))
            .set(Item::OrderId, Value::NewKey(o.slot))
            .set(Item::ProductId, &p.key)
            .set(Item::VariantId, variant_key.map(Value::from))
            .set(Item::Sku, v.sku.clone())
            .set(Item::Name, if p.has_options { Value::from(child_name(p, v)) } else { Value::from(&p.title) })
            .set(Item::ProductType, type_id(p))
            .set(Item::Qty, Value::Int(i64::from(l.quantity)))
            .set(Item::Price, Value::Money(l.unit_price))
            .set(Item::RowTotal, Value::Money(l.gross()))
            .set(Item::Discount, Value::Money(l.discount))
            .set(Item::Tax, Value::Money(portion(l.net(), s.shop.locale.tax_rate)))
            .set(Item::Created, Value::Time(o.at));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::platforms::testkit;

    fn money(v: &serde_json::Value) -> i64 {
        (v.as_f64().unwrap() * 100.0).round() as i64
    }

    #[test]
    fn magento_orders_are_consistent() {
        let plans = testkit::plans(&MAGENTO, "bigint");
        let g = testkit::generation(&MAGENTO, 8, 300, &plans);
        let t = testkit::rows(&MAGENTO, g.as_ref(), &plans);
        let types: HashMap<u64, String> = t["dm_products_magento"]
            .iter()
            .map(|p| (p["product_id"].as_u64().unwrap(), p["type_id"].as_str().unwrap().to_string()))
            .collect();
        assert!(types.values().any(|t| t == "configurable") && types.values().any(|t| t == "simple"));
        assert!(t["dm_variants_magento"].iter().all(|v| types[&v["product_id"].as_u64().unwrap()] == "configurable"));
        let mut sums: HashMap<u64, (i64, i64)> = HashMap::new();
        for i in &t["dm_order_items_magento"] {
            let e = sums.entry(i["order_id"].as_u64().unwrap()).or_default();
            e.0 += money(&i["row_total"]);
            e.1 += money(&i["discount_amount"]);
        }
        for o in &t["dm_orders_magento"] {
            let (subtotal, discount) = sums[&o["order_id"].as_u64().unwrap()];
            assert_eq!(money(&o["subtotal"]), subtotal);
            assert_eq!(money(&o["discount_amount"]), -discount);
            assert_eq!(
                money(&o["grand_total"]),
                subtotal + money(&o["discount_amount"]) + money(&o["shipping_amount"]) + money(&o["tax_amount"])
            );
            let inc = o["increment_id"].as_str().unwrap();
            assert!(inc.len() == 9 && inc.chars().all(|c| c.is_ascii_digit()), "{inc}");
            assert!(STATUSES.iter().any(|s| s.labels[0] == o["state"] && s.labels[1] == o["status"]));
        }
    }
}
