//! BigCommerce: numeric ids, order status ids with their names (Awaiting
//! Fulfillment, Shipped, Completed, ...), prices excluding and including
//! tax, `date_created` / `date_modified`, a base variant for every product.

use fake::Fake;
use fake::faker::company::en::CompanyName;
use rand::RngExt;

use crate::core::money::portion;
use crate::core::rng::{Domain, stream2};
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
        ShopId = "shop_id" ["store_id", "id"] K::Key,
        StoreHash = "store_hash" [] K::Text,
        Name = "shop_name" ["name", "store_name"] K::Text,
        Domain = "shop_domain" ["domain"] K::Text,
        AdminEmail = "admin_email" ["email"] K::Text,
        Currency = "currency" ["default_currency"] K::Text,
        Timezone = "iana_timezone" ["timezone"] K::Text,
        Country = "country_code" [] K::Text,
        Plan = "plan_name" ["plan_display_name"] K::Text,
        Created = "date_created" ["created_at"] K::Time,
    }
}

fields! {
    pub enum Product {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        ProductId = "product_id" ["id"] K::Key,
        Name = "name" ["title"] K::Text,
        Sku = "sku" [] K::Text,
        Type = "type" [] K::Text,
        Brand = "brand_name" ["brand", "vendor"] K::Text,
        Categories = "categories" ["product_type"] K::Text,
        Price = "price" [] K::Money,
        SalePrice = "sale_price" [] ?opt K::Money,
        CostPrice = "cost_price" [] K::Money,
        Inventory = "inventory_level" [] K::Int,
        Availability = "availability" [] K::Text,
        Visible = "is_visible" [] K::Bool,
        Created = "date_created" ["created_at"] K::Time,
        Modified = "date_modified" ["updated_at"] K::Time,
    }
}

fields! {
    pub enum Variant {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        VariantId = "variant_id" ["id"] K::Key,
        ProductId = "product_id" [] K::Ref { owner: "dm_products_bigcommerce" },
        Sku = "sku" [] K::Text,
        OptionValues = "option_values" [] K::Text,
        Price = "price" [] K::Money,
        SalePrice = "sale_price" [] ?opt K::Money,
        Inventory = "inventory_level" [] K::Int,
        PurchasingDisabled = "purchasing_disabled" [] K::Bool,
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
        Company = "company" [] ?opt K::Text,
        Phone = "phone" [] K::Text,
        Group = "customer_group_id" [] K::Int,
        AcceptsMarketing = "accepts_marketing" ["accepts_product_review_abandoned_cart_emails"] K::Bool,
        Created = "date_created" ["created_at"] K::Time,
        Modified = "date_modified" ["updated_at"] K::Time,
    }
}

fields! {
    pub enum Order {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        OrderId = "order_id" ["id"] K::Key,
        CustomerId = "customer_id" [] ?opt K::Ref { owner: "dm_customers_bigcommerce" },
        StatusId = "status_id" [] K::Int,
        Status = "status" [] K::Text,
        Currency = "currency_code" ["currency"] K::Text,
        SubtotalExTax = "subtotal_ex_tax" [] K::Money,
        SubtotalIncTax = "subtotal_inc_tax" [] K::Money,
        Discount = "discount_amount" [] K::Money,
        Shipping = "shipping_cost_ex_tax" [] K::Money,
        Tax = "total_tax" [] K::Money,
        TotalExTax = "total_ex_tax" [] K::Money,
        TotalIncTax = "total_inc_tax" [] K::Money,
        ItemsTotal = "items_total" [] K::Int,
        PaymentMethod = "payment_method" [] K::Text,
        BillingEmail = "billing_email" [] ?opt K::Text,
        UtmSource = "utm_source" [] ?opt K::Text,
        UtmMedium = "utm_medium" [] ?opt K::Text,
        UtmCampaign = "utm_campaign" [] ?opt K::Text,
        Gclid = "gclid" ["click_id"] ?opt K::Text,
        Created = "date_created" ["created_at"] K::Time,
        Modified = "date_modified" ["updated_at"] K::Time,
        Shipped = "date_shipped" [] ?opt K::Time,
    }
}

fields! {
    pub enum Item {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        LineItemId = "line_item_id" ["id"] K::Key,
        OrderId = "order_id" [] K::Ref { owner: "dm_orders_bigcommerce" },
        ProductId = "product_id" [] K::Ref { owner: "dm_products_bigcommerce" },
        VariantId = "variant_id" [] ?opt K::Ref { owner: "dm_variants_bigcommerce" },
        Name = "name" [] K::Text,
        Sku = "sku" [] K::Text,
        Quantity = "quantity" [] K::Int,
        BasePrice = "base_price" [] K::Money,
        PriceExTax = "price_ex_tax" [] K::Money,
        PriceIncTax = "price_inc_tax" [] K::Money,
        TotalExTax = "total_ex_tax" [] K::Money,
        TotalIncTax = "total_inc_tax" [] K::Money,
        Discount = "discount_amount" [] K::Money,
        Created = "date_created" ["created_at"] K::Time,
    }
}

static SHOP_INFO: TableSpec =
    TableSpec { name: "dm_shop_info_bigcommerce", fields: ShopInfo::SPECS, marker: "shop_id", created: Some("date_created") };
static PRODUCTS: TableSpec =
    TableSpec { name: "dm_products_bigcommerce", fields: Product::SPECS, marker: "product_id", created: Some("date_created") };
static VARIANTS: TableSpec =
    TableSpec { name: "dm_variants_bigcommerce", fields: Variant::SPECS, marker: "variant_id", created: Some("date_created") };
static CUSTOMERS: TableSpec =
    TableSpec { name: "dm_customers_bigcommerce", fields: Customer::SPECS, marker: "customer_id", created: Some("date_created") };
static ORDERS: TableSpec =
    TableSpec { name: "dm_orders_bigcommerce", fields: Order::SPECS, marker: "order_id", created: Some("date_created") };
static ITEMS: TableSpec =
    TableSpec { name: "dm_order_items_bigcommerce", fields: Item::SPECS, marker: "line_item_id", created: Some("date_created") };

static TABLE_LIST: [&TableSpec; 6] = [&SHOP_INFO, &PRODUCTS, &VARIANTS, &CUSTOMERS, &ORDERS, &ITEMS];

/// BigCommerce's order statuses (status_id, name). Settled orders are
/// mostly Completed or Shipped; the last days' mostly await fulfillment.
static STATUSES: &[OrderStatus] = &[
    OrderStatus { labels: &["Completed"], code: 10, settled: 0.70, recent: 0.06, revenue: true, shipped: true, cancelled: false },
    OrderStatus { labels: &["Shipped"], code: 2, settled: 0.12, recent: 0.15, revenue: true, shipped: true, cancelled: false },
    OrderStatus { labels: &["Partially Shipped"], code: 3, settled: 0.01, recent: 0.03, revenue: true, shipped: true, cancelled: false },
    OrderStatus {
        labels: &["Awaiting Fulfillment"],
        code: 11,
        settled: 0.03,
        recent: 0.42,
        revenue: true,
        shipped: false,
        cancelled: false,
    },
    OrderStatus { labels: &["Awaiting Shipment"], code: 9, settled: 0.02, recent: 0.15, revenue: true, shipped: false, cancelled: false },
    OrderStatus { labels: &["Awaiting Pickup"], code: 8, settled: 0.005, recent: 0.02, revenue: true, shipped: false, cancelled: false },
    OrderStatus { labels: &["Awaiting Payment"], code: 7, settled: 0.01, recent: 0.04, revenue: false, shipped: false, cancelled: false },
    OrderStatus { labels: &["Pending"], code: 1, settled: 0.01, recent: 0.05, revenue: false, shipped: false, cancelled: false },
    OrderStatus { labels: &["Incomplete"], code: 0, settled: 0.01, recent: 0.02, revenue: false, shipped: false, cancelled: false },
    OrderStatus {
        labels: &["Manual Verification Required"],
        code: 12,
        settled: 0.003,
        recent: 0.02,
        revenue: false,
        shipped: false,
        cancelled: false,
    },
    OrderStatus { labels: &["Cancelled"], code: 5, settled: 0.02, recent: 0.01, revenue: false, shipped: false, cancelled: true },
    OrderStatus { labels: &["Declined"], code: 6, settled: 0.01, recent: 0.01, revenue: false, shipped: false, cancelled: true },
    OrderStatus { labels: &["Refunded"], code: 4, settled: 0.03, recent: 0.004, revenue: false, shipped: true, cancelled: false },
    OrderStatus {
        labels: &["Partially Refunded"],
        code: 14,
        settled: 0.015,
        recent: 0.004,
        revenue: true,
        shipped: true,
        cancelled: false,
    },
    OrderStatus { labels: &["Disputed"], code: 13, settled: 0.002, recent: 0.0, revenue: false, shipped: true, cancelled: false },
];

const PLANS: [&str; 4] = ["Standard", "Plus", "Pro", "Enterprise"];
const PAYMENT_METHODS: [&str; 4] = ["Credit Card", "PayPal", "Apple Pay", "Google Pay"];

pub struct BigCommerce;

pub static BIGCOMMERCE: StoreDefinition = StoreDefinition {
    name: "bigcommerce",
    description: "BigCommerce store: store settings, products, variants, customers, orders and order products",
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
        product_vendor: "brand_name",
        product_created: "date_created",
        product_price: "price",
        variant_product: "product_id",
        variant_price: "price",
        variant_title: "option_values",
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
        order_currency: "currency_code",
        order_subtotal: "subtotal_ex_tax",
        order_discount: "discount_amount",
        order_statuses: &["status"],
        item_price: "base_price",
        item_discount: "discount_amount",
        item_variant: "variant_id",
        event_name: "",
        event_session: "",
        event_time: "",
    },
    vocabulary: &BigCommerce,
};

fn option_values(v: &VariantDraft) -> String {
    v.options.iter().map(|(axis, value)| format!("{axis}: {value}")).collect::<Vec<_>>().join(", ")
}

impl StoreVocabulary for BigCommerce {
    fn statuses(&self) -> &'static [OrderStatus] {
        STATUSES
    }

    fn shop_row(&self, s: &Scene, row: &mut Row) {
        let shop = s.shop;
        let mut rng = stream2(s.inputs.seed, Domain::Shop, 0, 1);
        let hash: String = (0..10).map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)])).collect();
        row.set(ShopInfo::ShopId, Value::NewKey(0))
            .set(ShopInfo::StoreHash, hash)
            .set(ShopInfo::Name, shop.name.clone())
            .set(ShopInfo::Domain, shop.domain.clone())
            .set(ShopInfo::AdminEmail, shop.email.clone())
            .set(ShopInfo::Currency, &shop.currency)
            .set(ShopInfo::Timezone, shop.timezone.clone())
            .set(ShopInfo::Country, shop.country_code.clone())
            .set(ShopInfo::Plan, PLANS[shop.plan_tier])
            .set(ShopInfo::Created, Value::Time(shop.created_at));
    }

    fn product_row(&self, s: &Scene, p: &ProductDraft, row: &mut Row) {
        let base = &p.variants[0];
        // BigCommerce's price is the regular price; a sale lowers sale_price.
        let (price, sale) = match base.compare_at {
            Some(regular) => (regular, Some(base.price)),
            None => (base.price, None),
        };
        row.set(Product::ProductId, &p.key)
            .set(Product::Name, p.title.clone())
            .set(Product::Sku, base.sku.split('-').take(2).collect::<Vec<_>>().join("-"))
            .set(Product::Type, if p.kind == ProductKind::Virtual { "digital" } else { "physical" })
            .set(Product::Brand, p.vendor.clone())
            .set(Product::Categories, format!("Shop All/{}", p.product_type))
            .set(Product::Price, Value::Money(price))
            .set(Product::SalePrice, sale.map(Value::Money))
            .set(Product::CostPrice, Value::Money(portion(base.price, 0.45)))
            .set(Product::Inventory, Value::Int(p.variants.iter().map(|v| v.inventory).sum()))
            .set(Product::Availability, if p.status == ProductStatus::Active { "available" } else { "disabled" })
            .set(Product::Visible, p.status == ProductStatus::Active)
            .set(Product::Created, Value::Time(p.created_at))
            .set(Product::Modified, Value::Time(s.touched(p.created_at)));
    }

    fn variant_row(&self, _s: &Scene, p: &ProductDraft, v: &VariantDraft, row: &mut Row) {
        let (price, sale) = match v.compare_at {
            Some(regular) => (regular, Some(v.price)),
            None => (v.price, None),
        };
        row.set(Variant::VariantId, v.key.as_ref().map(Value::from))
            .set(Variant::ProductId, &p.key)
            .set(Variant::Sku, v.sku.clone())
            .set(Variant::OptionValues, option_values(v))
            .set(Variant::Price, Value::Money(price))
            .set(Variant::SalePrice, sale.map(Value::Money))
            .set(Variant::Inventory, Value::Int(v.inventory))
            .set(Variant::PurchasingDisabled, false)
            .set(Variant::Created, Value::Time(p.created_at));
    }

    fn customer_row(&self, s: &Scene, c: CustomerDraft, row: &mut Row) {
        let id = c.identity;
        let mut rng = stream2(s.inputs.seed, Domain::Customer, c.seq, 2);
        let company: Option<String> = rng.random_bool(0.1).then(|| CompanyName().fake_with_rng(&mut rng));
        let group = if rng.random_bool(0.05) { 2 } else { 0 };
        row.set(Customer::CustomerId, Value::NewKey(c.seq))
            .set(Customer::Email, id.email)
            .set(Customer::FirstName, id.first_name)
            .set(Customer::LastName, id.last_name)
            .set(Customer::Company, company)
            .set(Customer::Phone, id.phone)
            .set(Customer::Group, Value::Int(group))
            .set(Customer::AcceptsMarketing, id.accepts_marketing)
            .set(Customer::Created, Value::Time(c.created_at))
            .set(Customer::Modified, Value::Time(c.last_order_at));
    }

    fn order_row(&self, s: &Scene, o: &OrderDraft, buyer: Option<BuyerView>, row: &mut Row) {
        let status = s.status(o);
        let (utm_source, utm_medium, utm_campaign, click) = utm(&o.source);
        row.set(Order::OrderId, Value::NewKey(o.slot))
            .set(Order::CustomerId, buyer.as_ref().map(|b| Value::from(&b.key)))
            .set(Order::StatusId, Value::Int(status.code))
            .set(Order::Status, status.labels[0])
            .set(Order::Currency, &s.shop.currency)
            .set(Order::SubtotalExTax, Value::Money(o.gross))
            .set(Order::SubtotalIncTax, Value::Money(o.gross + o.tax))
            .set(Order::Discount, Value::Money(o.discounts))
            .set(Order::Shipping, Value::Money(o.shipping))
            .set(Order::Tax, Value::Money(o.tax))
            .set(Order::TotalExTax, Value::Money(o.subtotal + o.shipping))
            .set(Order::TotalIncTax, Value::Money(o.total))
            .set(Order::ItemsTotal, Value::Int(i64::from(o.units())))
            .set(Order::PaymentMethod, PAYMENT_METHODS[(o.slot % 4) as usize])
            .set(Order::BillingEmail, buyer.and_then(|b| b.email))
            .set(Order::UtmSource, utm_source)
            .set(Order::UtmMedium, utm_medium)
            .set(Order::UtmCampaign, utm_campaign)
            .set(Order::Gclid, click)
            .set(Order::Created, Value::Time(o.at))
            .set(Order::Modified, Value::Time(o.updated_at))
            .set(Order::Shipped, status.shipped.then_some(Value::Time(o.updated_at)));
    }

    fn item_row(&self, s: &Scene, o: &OrderDraft, line: usize, seq: u64, variant_key: Option<&KeyRef>, row: &mut Row) {
        let l = &o.lines[line];
        let p = s.product(l);
        let v = s.variant(l);
        let rate = s.shop.locale.tax_rate;
        let name = if p.has_options { Value::from(format!("{} ({})", p.title, option_values(v))) } else { Value::from(&p.title) };
        row.set(Item::LineItemId, Value::NewKey(seq))
            .set(Item::OrderId, Value::NewKey(o.slot))
            .set(Item::ProductId, &p.key)
            .set(Item::VariantId, variant_key.map(Value::from))
            .set(Item::Name, name)
            .set(Item::Sku, v.sku.clone())
            .set(Item::Quantity, Value::Int(i64::from(l.quantity)))
            .set(Item::BasePrice, Value::Money(v.compare_at.unwrap_or(l.unit_price)))
            .set(Item::PriceExTax, Value::Money(l.unit_price))
            .set(Item::PriceIncTax, Value::Money(l.unit_price + portion(l.unit_price, rate)))
            .set(Item::TotalExTax, Value::Money(l.gross()))
            .set(Item::TotalIncTax, Value::Money(l.gross() + portion(l.gross(), rate)))
            .set(Item::Discount, Value::Money(l.discount))
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
    fn orders_add_up_in_bigcommerce_terms() {
        let plans = testkit::plans(&BIGCOMMERCE, "bigint");
        let g = testkit::generation(&BIGCOMMERCE, 4, 200, &plans);
        let t = testkit::rows(&BIGCOMMERCE, g.as_ref(), &plans);
        let mut lines: HashMap<u64, (i64, i64)> = HashMap::new();
        for i in &t["dm_order_items_bigcommerce"] {
            let e = lines.entry(i["order_id"].as_u64().unwrap()).or_default();
            e.0 += money(&i["total_ex_tax"]);
            e.1 += money(&i["discount_amount"]);
            assert_eq!(money(&i["total_ex_tax"]), money(&i["price_ex_tax"]) * i["quantity"].as_i64().unwrap());
        }
        for o in &t["dm_orders_bigcommerce"] {
            let (sum, discount) = lines[&o["order_id"].as_u64().unwrap()];
            assert_eq!(money(&o["subtotal_ex_tax"]), sum);
            assert_eq!(money(&o["discount_amount"]), discount);
            assert_eq!(
                money(&o["total_inc_tax"]),
                money(&o["subtotal_ex_tax"]) - money(&o["discount_amount"]) + money(&o["shipping_cost_ex_tax"]) + money(&o["total_tax"])
            );
            let id = o["status_id"].as_i64().unwrap();
            let name = STATUSES.iter().find(|s| s.code == id).unwrap().labels[0];
            assert_eq!(o["status"], name);
        }
        assert!(t["dm_orders_bigcommerce"].iter().all(|o| o["order_id"].is_u64()), "numeric ids");
    }
}
