//! WooCommerce: simple and variable products (variations only for variable
//! ones), WooCommerce's order statuses (pending, processing, on-hold,
//! completed, cancelled, refunded, failed), `wc_order_` keys, line
//! subtotals before discount and totals after.

use rand::RngExt;

use crate::core::money::portion;
use crate::core::rng::{Domain, stream2};
use crate::fields;
use crate::model::row::{KeyRef, Row, Value};
use crate::model::table::{FieldKind as K, TableSpec};
use crate::platforms::store::analysis::StoreFields;
use crate::platforms::store::catalogue::{ProductDraft, ProductStatus, VariantDraft};
use crate::platforms::store::engine::{BuyerView, CustomerDraft, Scene, StoreDefinition, StoreTables, StoreVocabulary};
use crate::platforms::store::orders::{OrderDraft, OrderStatus};
use crate::platforms::store::utm;

fields! {
    pub enum ShopInfo {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        ShopId = "shop_id" ["id"] K::Key,
        Name = "shop_name" ["blogname", "name"] K::Text,
        Domain = "shop_domain" ["siteurl", "domain"] K::Text,
        AdminEmail = "admin_email" [] K::Text,
        Currency = "currency" ["woocommerce_currency"] K::Text,
        Timezone = "iana_timezone" ["timezone_string", "timezone"] K::Text,
        Country = "country_code" [] K::Text,
        Version = "woocommerce_version" [] K::Text,
        Created = "date_created" ["created_at"] K::Time,
    }
}

fields! {
    pub enum Product {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        ProductId = "product_id" ["id"] K::Key,
        Name = "name" ["title"] K::Text,
        Slug = "slug" [] K::Text,
        Type = "type" [] K::Text,
        Status = "status" [] K::Text,
        Sku = "sku" [] K::Text,
        Price = "price" [] K::Money,
        RegularPrice = "regular_price" [] ?opt K::Money,
        SalePrice = "sale_price" [] ?opt K::Money,
        StockStatus = "stock_status" [] K::Text,
        StockQuantity = "stock_quantity" [] K::Int,
        Categories = "categories" ["product_type"] K::Text,
        Created = "date_created" ["created_at"] K::Time,
        Modified = "date_modified" ["updated_at"] K::Time,
    }
}

fields! {
    pub enum Variant {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        VariantId = "variant_id" ["variation_id", "id"] K::Key,
        ProductId = "product_id" ["parent_id"] K::Ref { owner: "dm_products_woocommerce" },
        Sku = "sku" [] K::Text,
        Attributes = "attributes" [] K::Text,
        Price = "price" [] K::Money,
        RegularPrice = "regular_price" [] K::Money,
        SalePrice = "sale_price" [] ?opt K::Money,
        StockQuantity = "stock_quantity" [] K::Int,
        Created = "date_created" ["created_at"] K::Time,
    }
}

fields! {
    pub enum Customer {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        CustomerId = "customer_id" ["id"] K::Key,
        Email = "email" [] K::Text,
        FirstName = "first_name" [] K::Text,
        LastName = "last_name" [] K::Text,
        Username = "username" [] K::Text,
        Role = "role" [] K::Text,
        City = "billing_city" [] K::Text,
        Country = "billing_country" [] K::Text,
        OrdersCount = "orders_count" [] K::Int,
        TotalSpent = "total_spent" [] K::Money,
        Created = "date_created" ["created_at"] K::Time,
        Modified = "date_modified" ["updated_at"] K::Time,
    }
}

fields! {
    pub enum Order {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        OrderId = "order_id" ["id"] K::Key,
        OrderKey = "order_key" [] K::Text,
        CustomerId = "customer_id" [] ?opt K::Ref { owner: "dm_customers_woocommerce" },
        Status = "status" [] K::Text,
        Currency = "currency" [] K::Text,
        PricesIncludeTax = "prices_include_tax" [] K::Bool,
        Subtotal = "subtotal" [] K::Money,
        DiscountTotal = "discount_total" [] K::Money,
        ShippingTotal = "shipping_total" [] K::Money,
        TotalTax = "total_tax" [] K::Money,
        Total = "total" [] K::Money,
        PaymentMethod = "payment_method" [] K::Text,
        PaymentMethodTitle = "payment_method_title" [] K::Text,
        BillingEmail = "billing_email" [] ?opt K::Text,
        UtmSource = "utm_source" [] ?opt K::Text,
        UtmMedium = "utm_medium" [] ?opt K::Text,
        UtmCampaign = "utm_campaign" [] ?opt K::Text,
        Gclid = "gclid" ["click_id"] ?opt K::Text,
        Created = "date_created" ["created_at"] K::Time,
        Paid = "date_paid" [] ?opt K::Time,
        Completed = "date_completed" [] ?opt K::Time,
    }
}

fields! {
    pub enum Item {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        LineItemId = "line_item_id" ["order_item_id", "id"] K::Key,
        OrderId = "order_id" [] K::Ref { owner: "dm_orders_woocommerce" },
        ProductId = "product_id" [] K::Ref { owner: "dm_products_woocommerce" },
        VariationId = "variation_id" ["variant_id"] ?opt K::Ref { owner: "dm_variants_woocommerce" },
        Name = "name" [] K::Text,
        Sku = "sku" [] K::Text,
        Quantity = "quantity" [] K::Int,
        Price = "price" [] K::Money,
        Subtotal = "subtotal" [] K::Money,
        Total = "total" [] K::Money,
        TotalTax = "total_tax" [] K::Money,
    }
}

static SHOP_INFO: TableSpec =
    TableSpec { name: "dm_shop_info_woocommerce", fields: ShopInfo::SPECS, marker: "shop_id", created: Some("date_created") };
static PRODUCTS: TableSpec =
    TableSpec { name: "dm_products_woocommerce", fields: Product::SPECS, marker: "product_id", created: Some("date_created") };
static VARIANTS: TableSpec =
    TableSpec { name: "dm_variants_woocommerce", fields: Variant::SPECS, marker: "variant_id", created: Some("date_created") };
static CUSTOMERS: TableSpec =
    TableSpec { name: "dm_customers_woocommerce", fields: Customer::SPECS, marker: "customer_id", created: Some("date_created") };
static ORDERS: TableSpec =
    TableSpec { name: "dm_orders_woocommerce", fields: Order::SPECS, marker: "order_id", created: Some("date_created") };
static ITEMS: TableSpec = TableSpec { name: "dm_order_items_woocommerce", fields: Item::SPECS, marker: "line_item_id", created: None };

static TABLE_LIST: [&TableSpec; 6] = [&SHOP_INFO, &PRODUCTS, &VARIANTS, &CUSTOMERS, &ORDERS, &ITEMS];

/// WooCommerce's statuses: settled orders mostly completed; recent ones
/// mostly processing (paid, not yet shipped) or waiting for payment.
static STATUSES: &[OrderStatus] = &[
    OrderStatus { labels: &["completed"], code: 0, settled: 0.80, recent: 0.10, revenue: true, shipped: true, cancelled: false },
    OrderStatus { labels: &["processing"], code: 0, settled: 0.05, recent: 0.62, revenue: true, shipped: false, cancelled: false },
    OrderStatus { labels: &["on-hold"], code: 0, settled: 0.02, recent: 0.08, revenue: false, shipped: false, cancelled: false },
    OrderStatus { labels: &["pending"], code: 0, settled: 0.02, recent: 0.10, revenue: false, shipped: false, cancelled: false },
    OrderStatus { labels: &["cancelled"], code: 0, settled: 0.04, recent: 0.03, revenue: false, shipped: false, cancelled: true },
    OrderStatus { labels: &["refunded"], code: 0, settled: 0.04, recent: 0.01, revenue: false, shipped: true, cancelled: false },
    OrderStatus { labels: &["failed"], code: 0, settled: 0.03, recent: 0.06, revenue: false, shipped: false, cancelled: true },
];

const PAYMENTS: [(&str, &str); 4] =
    [("stripe", "Credit Card (Stripe)"), ("ppcp-gateway", "PayPal"), ("bacs", "Direct bank transfer"), ("cod", "Cash on delivery")];

pub struct WooCommerce;

pub static WOOCOMMERCE: StoreDefinition = StoreDefinition {
    name: "woocommerce",
    description: "WooCommerce store: store settings, simple and variable products, variations, customers, orders and line items",
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
        shop_currency: "currency",
        shop_timezone: "iana_timezone",
        shop_name: "shop_name",
        shop_domain: "shop_domain",
        shop_country: "country_code",
        product_title: "name",
        product_type: "categories",
        product_vendor: "",
        product_created: "date_created",
        product_price: "price",
        variant_product: "product_id",
        variant_price: "price",
        variant_title: "attributes",
        variant_sku: "sku",
        customer_created: "date_created",
        customer_email: "email",
        customer_first_name: "first_name",
        customer_last_name: "last_name",
        order_created: "date_created",
        order_number: "",
        item_order: "order_id",
        item_product: "product_id",
        item_quantity: "quantity",
        order_customer: "customer_id",
        order_currency: "currency",
        order_subtotal: "subtotal",
        order_discount: "discount_total",
        order_statuses: &["status"],
        item_price: "price",
        item_discount: "",
        item_variant: "variation_id",
        event_name: "",
        event_session: "",
        event_time: "",
    },
    vocabulary: &WooCommerce,
};

fn attributes(v: &VariantDraft) -> String {
    v.options.iter().map(|(axis, value)| format!("pa_{}: {value}", axis.to_lowercase())).collect::<Vec<_>>().join(" | ")
}

/// Woo's price triple: current price, regular price, sale price.
fn prices(v: &VariantDraft) -> (i64, i64, Option<i64>) {
    match v.compare_at {
        Some(regular) => (v.price, regular, Some(v.price)),
        None => (v.price, v.price, None),
    }
}

impl StoreVocabulary for WooCommerce {
    fn statuses(&self) -> &'static [OrderStatus] {
        STATUSES
    }

    /// Only variable products have variations.
    fn variant_rows(&self, product: &ProductDraft) -> bool {
        product.has_options
    }

    fn shop_row(&self, s: &Scene, row: &mut Row) {
        let shop = s.shop;
        row.set(ShopInfo::ShopId, Value::NewKey(0))
            .set(ShopInfo::Name, shop.name.clone())
            .set(ShopInfo::Domain, format!("https://{}", shop.domain))
            .set(ShopInfo::AdminEmail, shop.email.clone())
            .set(ShopInfo::Currency, &shop.currency)
            .set(ShopInfo::Timezone, shop.timezone.clone())
            .set(ShopInfo::Country, shop.country_code.clone())
            .set(ShopInfo::Version, ["8.9.3", "9.3.3", "9.8.5"][shop.plan_tier % 3])
            .set(ShopInfo::Created, Value::Time(shop.created_at));
    }

    fn product_row(&self, s: &Scene, p: &ProductDraft, row: &mut Row) {
        let base = &p.variants[0];
        let (price, regular, sale) = prices(base);
        let stock: i64 = p.variants.iter().map(|v| v.inventory).sum();
        row.set(Product::ProductId, &p.key)
            .set(Product::Name, p.title.clone())
            .set(Product::Slug, p.handle.clone())
            .set(Product::Type, if p.has_options { "variable" } else { "simple" })
            .set(
                Product::Status,
                match p.status {
                    ProductStatus::Active => "publish",
                    ProductStatus::Draft => "draft",
                    ProductStatus::Archived => "private",
                },
            )
            .set(
                Product::Sku,
                if p.has_options { Value::from(base.sku.split('-').take(2).collect::<Vec<_>>().join("-")) } else { Value::from(&base.sku) },
            )
            // A variable product shows its lowest variation price.
            .set(
                Product::Price,
                Value::Money(if p.has_options { p.variants.iter().map(|v| v.price).min().unwrap_or(price) } else { price }),
            )
            .set(Product::RegularPrice, (!p.has_options).then_some(Value::Money(regular)))
            .set(Product::SalePrice, if p.has_options { None } else { sale.map(Value::Money) })
            .set(Product::StockStatus, if stock > 0 { "instock" } else { "outofstock" })
            .set(Product::StockQuantity, Value::Int(stock))
            .set(Product::Categories, p.product_type.clone())
            .set(Product::Created, Value::Time(p.created_at))
            .set(Product::Modified, Value::Time(s.touched(p.created_at)));
    }

    fn variant_row(&self, _s: &Scene, p: &ProductDraft, v: &VariantDraft, row: &mut Row) {
        let (price, regular, sale) = prices(v);
        row.set(Variant::VariantId, v.key.as_ref().map(Value::from))
            .set(Variant::ProductId, &p.key)
            .set(Variant::Sku, v.sku.clone())
            .set(Variant::Attributes, attributes(v))
            .set(Variant::Price, Value::Money(price))
            .set(Variant::RegularPrice, Value::Money(regular))
            .set(Variant::SalePrice, sale.map(Value::Money))
            .set(Variant::StockQuantity, Value::Int(v.inventory))
            .set(Variant::Created, Value::Time(p.created_at));
    }

    fn customer_row(&self, s: &Scene, c: CustomerDraft, row: &mut Row) {
        let id = c.identity;
        row.set(Customer::CustomerId, Value::NewKey(c.seq))
            .set(Customer::Username, id.email.split('@').next().unwrap_or_default().to_string())
            .set(Customer::Email, id.email)
            .set(Customer::FirstName, id.first_name)
            .set(Customer::LastName, id.last_name)
            .set(Customer::Role, "customer")
            .set(Customer::City, id.city)
            .set(Customer::Country, s.shop.locale.country_code)
            .set(Customer::OrdersCount, Value::Int(i64::from(c.orders_count)))
            .set(Customer::TotalSpent, Value::Money(c.total_spent))
            .set(Customer::Created, Value::Time(c.created_at))
            .set(Customer::Modified, Value::Time(c.last_order_at));
    }

    fn order_row(&self, s: &Scene, o: &OrderDraft, buyer: Option<BuyerView>, row: &mut Row) {
        let status = s.status(o);
        let (utm_source, utm_medium, utm_campaign, click) = utm(&o.source);
        let mut rng = stream2(s.inputs.seed, Domain::Order, o.slot, 3);
        let key: String = (0..13)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rng.random_range(0..62)]))
            .collect();
        let (method, title) = PAYMENTS[(o.slot % 4) as usize];
        row.set(Order::OrderId, Value::NewKey(o.slot))
            .set(Order::OrderKey, format!("wc_order_{key}"))
            .set(Order::CustomerId, buyer.as_ref().map(|b| Value::from(&b.key)))
            .set(Order::Status, status.labels[0])
            .set(Order::Currency, &s.shop.currency)
            .set(Order::PricesIncludeTax, false)
            .set(Order::Subtotal, Value::Money(o.gross))
            .set(Order::DiscountTotal, Value::Money(o.discounts))
            .set(Order::ShippingTotal, Value::Money(o.shipping))
            .set(Order::TotalTax, Value::Money(o.tax))
            .set(Order::Total, Value::Money(o.total))
            .set(Order::PaymentMethod, method)
            .set(Order::PaymentMethodTitle, title)
            .set(Order::BillingEmail, buyer.and_then(|b| b.email))
            .set(Order::UtmSource, utm_source)
            .set(Order::UtmMedium, utm_medium)
            .set(Order::UtmCampaign, utm_campaign)
            .set(Order::Gclid, click)
            .set(Order::Created, Value::Time(o.at))
            .set(Order::Paid, (status.revenue || status.shipped).then_some(Value::Time(o.at + 60)))
            .set(Order::Completed, (status.labels[0] == "completed").then_some(Value::Time(o.updated_at)));
    }

    fn item_row(&self, s: &Scene, o: &OrderDraft, line: usize, seq: u64, variant_key: Option<&KeyRef>, row: &mut Row) {
        let l = &o.lines[line];
        let p = s.product(l);
        let v = s.variant(l);
        let name =
            if p.has_options { Value::from(format!("{} - {}", p.title, v.title.replace(" / ", ", "))) } else { Value::from(&p.title) };
        row.set(Item::LineItemId, Value::NewKey(seq))
            .set(Item::OrderId, Value::NewKey(o.slot))
            .set(Item::ProductId, &p.key)
            .set(Item::VariationId, variant_key.map(Value::from))
            .set(Item::Name, name)
            .set(Item::Sku, v.sku.clone())
            .set(Item::Quantity, Value::Int(i64::from(l.quantity)))
            .set(Item::Price, Value::Money(l.unit_price))
            .set(Item::Subtotal, Value::Money(l.gross()))
            .set(Item::Total, Value::Money(l.net()))
            .set(Item::TotalTax, Value::Money(portion(l.net(), s.shop.locale.tax_rate)));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::platforms::testkit;

    fn money(v: &serde_json::Value) -> i64 {
        (v.as_f64().unwrap() * 100.0).round() as i64
    }

    #[test]
    fn variations_only_for_variable_products_and_totals_add_up() {
        let plans = testkit::plans(&WOOCOMMERCE, "bigint");
        let g = testkit::generation(&WOOCOMMERCE, 6, 300, &plans);
        let t = testkit::rows(&WOOCOMMERCE, g.as_ref(), &plans);
        let variable: HashSet<u64> =
            t["dm_products_woocommerce"].iter().filter(|p| p["type"] == "variable").map(|p| p["product_id"].as_u64().unwrap()).collect();
        assert!(!variable.is_empty() && variable.len() < t["dm_products_woocommerce"].len(), "both kinds of product");
        assert!(t["dm_variants_woocommerce"].iter().all(|v| variable.contains(&v["product_id"].as_u64().unwrap())));
        let mut sums: HashMap<u64, (i64, i64)> = HashMap::new();
        for i in &t["dm_order_items_woocommerce"] {
            let product = i["product_id"].as_u64().unwrap();
            assert_eq!(i["variation_id"].is_null(), !variable.contains(&product) || !i["product_id"].is_u64());
            let e = sums.entry(i["order_id"].as_u64().unwrap()).or_default();
            e.0 += money(&i["subtotal"]);
            e.1 += money(&i["subtotal"]) - money(&i["total"]);
        }
        for o in &t["dm_orders_woocommerce"] {
            let (subtotal, discount) = sums[&o["order_id"].as_u64().unwrap()];
            assert_eq!(money(&o["subtotal"]), subtotal);
            assert_eq!(money(&o["discount_total"]), discount);
            assert_eq!(money(&o["total"]), subtotal - discount + money(&o["shipping_total"]) + money(&o["total_tax"]));
            assert!(STATUSES.iter().any(|s| s.labels[0] == o["status"]));
            assert!(o["order_key"].as_str().unwrap().starts_with("wc_order_"));
        }
    }
}
