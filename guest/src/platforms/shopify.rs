//! Shopify: seven tables, Shopify's own words (financial and fulfillment
//! status, `#1001` order names, `Default Title` variants, myshopify
//! domains) and its storefront pixel events.

use crate::fields;
use crate::model::row::{KeyRef, Row, Value};
use crate::model::table::{FieldKind as K, TableSpec};
use crate::platforms::store::analysis::StoreFields;
use crate::platforms::store::catalogue::{ProductDraft, ProductKind, ProductStatus, VariantDraft};
use crate::platforms::store::engine::{BuyerView, CustomerDraft, Scene, StoreDefinition, StoreTables, StoreVocabulary};
use crate::platforms::store::orders::{OrderDraft, OrderStatus};
use crate::platforms::store::sessions::EventDraft;
use crate::platforms::store::{landing, utm};

fields! {
    pub enum ShopInfo {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        ShopId = "shop_id" ["id"] K::Key,
        Name = "shop_name" ["name"] K::Text,
        Domain = "shop_domain" ["domain"] K::Text,
        MyshopifyDomain = "myshopify_domain" [] K::Text,
        Email = "email" ["shop_email"] K::Text,
        Currency = "currency" [] K::Text,
        Timezone = "iana_timezone" ["timezone"] K::Text,
        Country = "country_code" ["country"] K::Text,
        Plan = "plan_display_name" ["plan_name"] K::Text,
        MoneyFormat = "money_with_currency_format" [] K::Text,
        Storefront = "has_storefront" [] K::Bool,
        Created = "created_at" [] K::Time,
        Updated = "updated_at" [] K::Time,
    }
}

fields! {
    pub enum Product {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        ProductId = "product_id" ["id"] K::Key,
        Title = "title" ["name", "product_title"] K::Text,
        Handle = "handle" [] K::Text,
        ProductType = "product_type" ["type"] K::Text,
        Vendor = "vendor" [] K::Text,
        Status = "status" [] K::Text,
        Tags = "tags" [] K::Text,
        Created = "created_at" [] K::Time,
        Updated = "updated_at" [] K::Time,
        Published = "published_at" [] ?opt K::Time,
    }
}

fields! {
    pub enum Variant {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        VariantId = "variant_id" ["id"] K::Key,
        ProductId = "product_id" [] K::Ref { owner: "dm_products_shopify" },
        Title = "title" ["variant_title"] K::Text,
        Sku = "sku" [] K::Text,
        Price = "price" [] K::Money,
        CompareAt = "compare_at_price" [] ?opt K::Money,
        Inventory = "inventory_quantity" [] K::Int,
        Option1 = "option1" [] ?opt K::Text,
        Option2 = "option2" [] ?opt K::Text,
        Position = "position" [] K::Int,
        Created = "created_at" [] K::Time,
        Updated = "updated_at" [] K::Time,
    }
}

fields! {
    pub enum Customer {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        CustomerId = "customer_id" ["id"] K::Key,
        Email = "email" [] K::Text,
        FirstName = "first_name" [] K::Text,
        LastName = "last_name" [] K::Text,
        Phone = "phone" [] K::Text,
        OrdersCount = "orders_count" [] K::Int,
        TotalSpent = "total_spent" [] K::Money,
        State = "state" [] K::Text,
        AcceptsMarketing = "accepts_marketing" [] K::Bool,
        City = "city" [] K::Text,
        Province = "province" [] K::Text,
        Country = "country" [] K::Text,
        Zip = "zip" [] K::Text,
        Tags = "tags" [] K::Text,
        Created = "created_at" [] K::Time,
        Updated = "updated_at" [] K::Time,
    }
}

fields! {
    pub enum Order {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        OrderId = "order_id" ["id"] K::Key,
        Number = "order_number" ["number"] K::Int,
        Name = "name" [] K::Text,
        CustomerId = "customer_id" [] ?opt K::Ref { owner: "dm_customers_shopify" },
        Email = "email" [] ?opt K::Text,
        Currency = "currency" [] K::Text,
        FinancialStatus = "financial_status" [] K::Text,
        FulfillmentStatus = "fulfillment_status" [] ?opt K::Text,
        Subtotal = "subtotal_price" [] K::Money,
        Discounts = "total_discounts" [] K::Money,
        Tax = "total_tax" [] K::Money,
        Shipping = "total_shipping" ["total_shipping_price"] K::Money,
        Total = "total_price" [] K::Money,
        SourceName = "source_name" [] K::Text,
        LandingSite = "landing_site" [] K::Text,
        ReferringSite = "referring_site" [] ?opt K::Text,
        UtmSource = "utm_source" [] ?opt K::Text,
        UtmMedium = "utm_medium" [] ?opt K::Text,
        UtmCampaign = "utm_campaign" [] ?opt K::Text,
        Gclid = "gclid" ["click_id"] ?opt K::Text,
        CancelledAt = "cancelled_at" [] ?opt K::Time,
        CancelReason = "cancel_reason" [] ?opt K::Text,
        ProcessedAt = "processed_at" [] K::Time,
        Created = "created_at" [] K::Time,
        Updated = "updated_at" [] K::Time,
    }
}

fields! {
    pub enum Item {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        LineItemId = "line_item_id" ["id"] K::Key,
        OrderId = "order_id" [] K::Ref { owner: "dm_orders_shopify" },
        OrderNumber = "order_number" [] K::Int,
        ProductId = "product_id" [] K::Ref { owner: "dm_products_shopify" },
        VariantId = "variant_id" [] ?opt K::Ref { owner: "dm_variants_shopify" },
        Name = "name" [] K::Text,
        ProductTitle = "product_title" ["title"] K::Text,
        VariantTitle = "variant_title" [] ?opt K::Text,
        Sku = "sku" [] K::Text,
        Vendor = "vendor" [] K::Text,
        Quantity = "quantity" [] K::Int,
        Price = "price" [] K::Money,
        Discount = "total_discount" [] K::Money,
        RequiresShipping = "requires_shipping" [] K::Bool,
        Taxable = "taxable" [] K::Bool,
        Created = "created_at" [] K::Time,
    }
}

fields! {
    pub enum Event {
        Tenant = "tenant_id" ["workspace_id"] K::Tenant,
        EventId = "event_id" ["id"] K::Key,
        Name = "event_name" ["event_type", "name"] K::Text,
        Session = "session_id" [] K::Text,
        Client = "client_id" [] K::Text,
        Time = "event_time" ["occurred_at", "timestamp"] K::Time,
        CustomerId = "customer_id" ["user_id"] ?opt K::Ref { owner: "dm_customers_shopify" },
        OrderId = "order_id" [] ?opt K::Ref { owner: "dm_orders_shopify" },
        ProductId = "product_id" [] ?opt K::Ref { owner: "dm_products_shopify" },
        VariantId = "variant_id" [] ?opt K::Ref { owner: "dm_variants_shopify" },
        PageUrl = "page_url" ["url"] K::Text,
        Referrer = "referrer" [] ?opt K::Text,
        UtmSource = "utm_source" [] ?opt K::Text,
        UtmMedium = "utm_medium" [] ?opt K::Text,
        UtmCampaign = "utm_campaign" [] ?opt K::Text,
        Gclid = "gclid" ["click_id"] ?opt K::Text,
        Value = "event_value" ["value"] ?opt K::Money,
        Currency = "currency" [] K::Text,
        Created = "created_at" [] K::Time,
    }
}

static SHOP_INFO: TableSpec =
    TableSpec { name: "dm_shop_info_shopify", fields: ShopInfo::SPECS, marker: "shop_id", created: Some("created_at") };
static PRODUCTS: TableSpec =
    TableSpec { name: "dm_products_shopify", fields: Product::SPECS, marker: "product_id", created: Some("created_at") };
static VARIANTS: TableSpec =
    TableSpec { name: "dm_variants_shopify", fields: Variant::SPECS, marker: "variant_id", created: Some("created_at") };
static CUSTOMERS: TableSpec =
    TableSpec { name: "dm_customers_shopify", fields: Customer::SPECS, marker: "customer_id", created: Some("created_at") };
static ORDERS: TableSpec = TableSpec { name: "dm_orders_shopify", fields: Order::SPECS, marker: "order_id", created: Some("created_at") };
static ITEMS: TableSpec =
    TableSpec { name: "dm_order_items_shopify", fields: Item::SPECS, marker: "line_item_id", created: Some("created_at") };
static EVENTS: TableSpec =
    TableSpec { name: "dm_shopify_pixel_events", fields: Event::SPECS, marker: "event_id", created: Some("event_time") };

static TABLE_LIST: [&TableSpec; 7] = [&SHOP_INFO, &PRODUCTS, &VARIANTS, &CUSTOMERS, &ORDERS, &ITEMS, &EVENTS];

/// Shopify's financial status and fulfillment status (`""`: unfulfilled,
/// which Shopify reports as null). Most settled orders are paid and
/// fulfilled; the last few days' are mostly paid and not yet shipped.
static STATUSES: &[OrderStatus] = &[
    OrderStatus { labels: &["paid", "fulfilled"], code: 0, settled: 0.80, recent: 0.22, revenue: true, shipped: true, cancelled: false },
    OrderStatus { labels: &["paid", ""], code: 0, settled: 0.03, recent: 0.55, revenue: true, shipped: false, cancelled: false },
    OrderStatus { labels: &["paid", "partial"], code: 0, settled: 0.02, recent: 0.04, revenue: true, shipped: true, cancelled: false },
    OrderStatus {
        labels: &["partially_refunded", "fulfilled"],
        code: 0,
        settled: 0.03,
        recent: 0.01,
        revenue: true,
        shipped: true,
        cancelled: false,
    },
    OrderStatus {
        labels: &["refunded", "fulfilled"],
        code: 0,
        settled: 0.02,
        recent: 0.005,
        revenue: false,
        shipped: true,
        cancelled: false,
    },
    OrderStatus { labels: &["refunded", ""], code: 0, settled: 0.015, recent: 0.005, revenue: false, shipped: false, cancelled: true },
    OrderStatus { labels: &["pending", ""], code: 0, settled: 0.015, recent: 0.07, revenue: false, shipped: false, cancelled: false },
    OrderStatus { labels: &["authorized", ""], code: 0, settled: 0.01, recent: 0.08, revenue: true, shipped: false, cancelled: false },
    OrderStatus {
        labels: &["partially_paid", ""],
        code: 0,
        settled: 0.005,
        recent: 0.005,
        revenue: true,
        shipped: false,
        cancelled: false,
    },
    OrderStatus { labels: &["voided", ""], code: 0, settled: 0.015, recent: 0.02, revenue: false, shipped: false, cancelled: true },
];

const PLANS: [&str; 4] = ["Basic", "Shopify", "Advanced", "Shopify Plus"];
const CANCEL_REASONS: [&str; 4] = ["customer", "inventory", "fraud", "declined"];

pub struct Shopify;

pub static SHOPIFY: StoreDefinition = StoreDefinition {
    name: "shopify",
    description: "Shopify store: shop, products, variants, customers, orders, line items and web pixel events",
    tables: StoreTables {
        shop: &SHOP_INFO,
        products: &PRODUCTS,
        variants: &VARIANTS,
        customers: &CUSTOMERS,
        orders: &ORDERS,
        items: &ITEMS,
        events: Some(&EVENTS),
    },
    in_order: &TABLE_LIST,
    fields: StoreFields {
        shop_currency: "currency",
        shop_timezone: "iana_timezone",
        shop_name: "shop_name",
        shop_domain: "shop_domain",
        shop_country: "country_code",
        product_title: "title",
        product_type: "product_type",
        product_vendor: "vendor",
        product_created: "created_at",
        product_price: "price",
        variant_product: "product_id",
        variant_price: "price",
        variant_title: "title",
        variant_sku: "sku",
        customer_created: "created_at",
        customer_email: "email",
        customer_first_name: "first_name",
        customer_last_name: "last_name",
        order_created: "created_at",
        order_number: "order_number",
        item_order: "order_id",
        item_product: "product_id",
        item_quantity: "quantity",
        order_customer: "customer_id",
        order_currency: "currency",
        order_subtotal: "subtotal_price",
        order_discount: "total_discounts",
        order_statuses: &["financial_status", "fulfillment_status"],
        item_price: "price",
        item_discount: "total_discount",
        item_variant: "variant_id",
        event_name: "event_name",
        event_session: "session_id",
        event_time: "event_time",
    },
    vocabulary: &Shopify,
};

fn opt_text(s: &str) -> Value {
    if s.is_empty() { Value::Null } else { Value::Text(s.to_string()) }
}

impl StoreVocabulary for Shopify {
    fn statuses(&self) -> &'static [OrderStatus] {
        STATUSES
    }

    fn shop_row(&self, s: &Scene, row: &mut Row) {
        let shop = s.shop;
        row.set(ShopInfo::ShopId, Value::NewKey(0))
            .set(ShopInfo::Name, shop.name.clone())
            .set(ShopInfo::Domain, shop.domain.clone())
            .set(ShopInfo::MyshopifyDomain, format!("{}.myshopify.com", shop.handle))
            .set(ShopInfo::Email, shop.email.clone())
            .set(ShopInfo::Currency, &shop.currency)
            .set(ShopInfo::Timezone, shop.timezone.clone())
            .set(ShopInfo::Country, shop.country_code.clone())
            .set(ShopInfo::Plan, PLANS[shop.plan_tier])
            .set(ShopInfo::MoneyFormat, shop.locale.money_format)
            .set(ShopInfo::Storefront, true)
            .set(ShopInfo::Created, Value::Time(shop.created_at))
            .set(ShopInfo::Updated, Value::Time(s.inputs.period.end - 3600));
    }

    fn product_row(&self, s: &Scene, p: &ProductDraft, row: &mut Row) {
        row.set(Product::ProductId, &p.key)
            .set(Product::Title, p.title.clone())
            .set(Product::Handle, p.handle.clone())
            .set(Product::ProductType, p.product_type.clone())
            .set(Product::Vendor, p.vendor.clone())
            .set(
                Product::Status,
                match p.status {
                    ProductStatus::Active => "active",
                    ProductStatus::Draft => "draft",
                    ProductStatus::Archived => "archived",
                },
            )
            .set(Product::Tags, p.tags.clone())
            .set(Product::Created, Value::Time(p.created_at))
            .set(Product::Updated, Value::Time(s.touched(p.created_at)))
            .set(Product::Published, (p.status == ProductStatus::Active).then_some(Value::Time(p.created_at + 3 * 3600)));
    }

    fn variant_row(&self, s: &Scene, p: &ProductDraft, v: &VariantDraft, row: &mut Row) {
        row.set(Variant::VariantId, v.key.as_ref().map(Value::from))
            .set(Variant::ProductId, &p.key)
            .set(Variant::Title, v.title.clone())
            .set(Variant::Sku, v.sku.clone())
            .set(Variant::Price, Value::Money(v.price))
            .set(Variant::CompareAt, v.compare_at.map(Value::Money))
            .set(Variant::Inventory, Value::Int(v.inventory))
            .set(Variant::Option1, v.options.first().map(|(_, val)| Value::Text(val.clone())))
            .set(Variant::Option2, v.options.get(1).map(|(_, val)| Value::Text(val.clone())))
            .set(Variant::Position, Value::Int(i64::from(v.position)))
            .set(Variant::Created, Value::Time(p.created_at))
            .set(Variant::Updated, Value::Time(s.touched(p.created_at)));
    }

    fn customer_row(&self, s: &Scene, c: CustomerDraft, row: &mut Row) {
        let id = c.identity;
        // Every combination of the three tags, in Shopify's comma-separated form.
        const TAGS: [&str; 8] =
            ["", "repeat", "vip", "repeat, vip", "newsletter", "repeat, newsletter", "vip, newsletter", "repeat, vip, newsletter"];
        let tags =
            TAGS[usize::from(c.orders_count > 1) | usize::from(c.total_spent >= 50_000) << 1 | usize::from(id.accepts_marketing) << 2];
        row.set(Customer::CustomerId, Value::NewKey(c.seq))
            .set(Customer::Email, id.email)
            .set(Customer::FirstName, id.first_name)
            .set(Customer::LastName, id.last_name)
            .set(Customer::Phone, id.phone)
            .set(Customer::OrdersCount, Value::Int(i64::from(c.orders_count)))
            .set(Customer::TotalSpent, Value::Money(c.total_spent))
            .set(Customer::State, "enabled")
            .set(Customer::AcceptsMarketing, id.accepts_marketing)
            .set(Customer::City, id.city)
            .set(Customer::Province, id.state)
            .set(Customer::Country, s.shop.locale.country)
            .set(Customer::Zip, id.zip)
            .set(Customer::Tags, tags)
            .set(Customer::Created, Value::Time(c.created_at))
            .set(Customer::Updated, Value::Time(c.last_order_at));
    }

    fn order_row(&self, s: &Scene, o: &OrderDraft, buyer: Option<BuyerView>, row: &mut Row) {
        let status = s.status(o);
        let (utm_source, utm_medium, utm_campaign, click) = utm(&o.source);
        let (landing_site, referrer) = landing(&o.source);
        row.set(Order::OrderId, Value::NewKey(o.slot))
            .set(Order::Number, Value::Int(o.number as i64))
            .set(Order::Name, format!("#{}", o.number))
            .set(Order::CustomerId, buyer.as_ref().map(|b| Value::from(&b.key)))
            .set(Order::Email, buyer.and_then(|b| b.email))
            .set(Order::Currency, &s.shop.currency)
            .set(Order::FinancialStatus, status.labels[0])
            .set(Order::FulfillmentStatus, opt_text(status.labels[1]))
            .set(Order::Subtotal, Value::Money(o.subtotal))
            .set(Order::Discounts, Value::Money(o.reported_discounts))
            .set(Order::Tax, Value::Money(o.tax))
            .set(Order::Shipping, Value::Money(o.shipping))
            .set(Order::Total, Value::Money(o.total))
            .set(Order::SourceName, "web")
            .set(Order::LandingSite, landing_site)
            .set(Order::ReferringSite, referrer)
            .set(Order::UtmSource, utm_source)
            .set(Order::UtmMedium, utm_medium)
            .set(Order::UtmCampaign, utm_campaign)
            .set(Order::Gclid, click)
            .set(Order::CancelledAt, status.cancelled.then_some(Value::Time(o.updated_at)))
            .set(Order::CancelReason, status.cancelled.then(|| CANCEL_REASONS[(o.slot % 4) as usize]))
            .set(Order::ProcessedAt, Value::Time(o.at))
            .set(Order::Created, Value::Time(o.at))
            .set(Order::Updated, Value::Time(o.updated_at));
    }

    fn item_row(&self, s: &Scene, o: &OrderDraft, line: usize, seq: u64, variant_key: Option<&KeyRef>, row: &mut Row) {
        let l = &o.lines[line];
        let p = s.product(l);
        let v = s.variant(l);
        let variant_title = (&*v.title != "Default Title").then(|| v.title.clone());
        row.set(Item::LineItemId, Value::NewKey(seq))
            .set(Item::OrderId, Value::NewKey(o.slot))
            .set(Item::OrderNumber, Value::Int(o.number as i64))
            .set(Item::ProductId, &p.key)
            .set(Item::VariantId, variant_key.map(Value::from))
            .set(Item::Name, variant_title.as_ref().map_or_else(|| Value::from(&p.title), |vt| Value::from(format!("{} - {vt}", p.title))))
            .set(Item::ProductTitle, p.title.clone())
            .set(Item::VariantTitle, variant_title)
            .set(Item::Sku, v.sku.clone())
            .set(Item::Vendor, p.vendor.clone())
            .set(Item::Quantity, Value::Int(i64::from(l.quantity)))
            .set(Item::Price, Value::Money(l.unit_price))
            .set(Item::Discount, Value::Money(l.discount))
            .set(Item::RequiresShipping, p.kind == ProductKind::Physical)
            .set(Item::Taxable, true)
            .set(Item::Created, Value::Time(o.at));
    }

    fn event_row(&self, s: &Scene, o: &OrderDraft, e: &EventDraft, seq: u64, row: &mut Row) {
        let product = e.product.map(|(p, v)| (&s.catalogue.products[p], p, v));
        row.set(Event::EventId, Value::NewKey(seq))
            .set(Event::Name, e.name.as_str())
            // Hex ids (see sessions::Visit): nothing to escape.
            .set(Event::Session, Value::Plain(e.session.clone()))
            .set(Event::Client, Value::Plain(e.client.clone()))
            .set(Event::Time, Value::Time(e.at))
            .set(Event::CustomerId, e.customer.as_ref().map(Value::from))
            .set(Event::OrderId, e.order.then_some(Value::NewKey(o.slot)))
            .set(Event::ProductId, product.map(|(p, _, _)| Value::from(&p.key)))
            .set(
                Event::VariantId,
                product.and_then(|(p, _, v)| {
                    let variant_key = (!p.generated || self.variant_rows(p)).then(|| p.variants[v].key.clone()).flatten();
                    variant_key.as_ref().map(Value::from)
                }),
            )
            // Built by shop::storefront_page: nothing to escape.
            .set(Event::PageUrl, Value::Plain(e.page.clone()))
            .set(Event::Referrer, e.referrer)
            .set(Event::UtmSource, e.utm.as_ref().map(|u| u.source))
            .set(Event::UtmMedium, e.utm.as_ref().map(|u| u.medium))
            .set(Event::UtmCampaign, e.utm.as_ref().and_then(|u| u.campaign.as_ref()))
            .set(Event::Gclid, e.utm.as_ref().and_then(|u| u.click_id.as_ref()))
            .set(Event::Value, e.value.map(Value::Money))
            .set(Event::Currency, &s.shop.currency)
            .set(Event::Created, Value::Time(e.at));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use serde_json::Value as J;

    use super::*;
    use crate::platforms::testkit;

    fn money(v: &J) -> i64 {
        (v.as_f64().expect("a number") * 100.0).round() as i64
    }

    fn generate(seed: u64, orders: u64) -> HashMap<&'static str, Vec<J>> {
        let plans = testkit::plans(&SHOPIFY, "text");
        let g = testkit::generation(&SHOPIFY, seed, orders, &plans);
        testkit::rows(&SHOPIFY, g.as_ref(), &plans)
    }

    fn keys<'a>(rows: &'a [J], col: &str) -> HashSet<&'a str> {
        rows.iter().map(|r| r[col].as_str().expect("a key")).collect()
    }

    #[test]
    fn tables_streamed_together_get_the_rows_they_get_alone() {
        let plans = testkit::plans(&SHOPIFY, "text");
        let g = testkit::generation(&SHOPIFY, 5, 2500, &plans);
        let alone = testkit::rows(&SHOPIFY, g.as_ref(), &plans);
        let together = g.together();
        assert_eq!(
            together.iter().map(|t| t.name).collect::<Vec<_>>(),
            ["dm_orders_shopify", "dm_order_items_shopify", "dm_shopify_pixel_events"]
        );
        // All three, and the two children alone (a warehouse without the orders table).
        for tables in [&together[..], &together[1..]] {
            let mut rows: Vec<Vec<J>> = vec![Vec::new(); tables.len()];
            let mut rounds = g.rounds(tables).expect("streamed together");
            // Rounds of 700 orders: three whole ones and a part.
            while rounds
                .next(700, &mut |i, row| {
                    rows[i].push(testkit::json_row(&plans[tables[i].name], row)?);
                    Ok(())
                })
                .unwrap()
            {}
            for (spec, rows) in tables.iter().zip(rows) {
                assert!(!rows.is_empty());
                assert!(rows == alone[spec.name], "{}: rows streamed together differ from the table's own", spec.name);
            }
        }
        assert!(g.rounds(&[SHOPIFY.tables.customers]).is_none(), "customers are not drafted from orders");
    }

    #[test]
    fn every_reference_resolves_and_sums_hold() {
        let t = generate(1, 300);
        let orders = &t["dm_orders_shopify"];
        assert_eq!(orders.len(), 300);
        assert_eq!(t["dm_shop_info_shopify"].len(), 1);
        let (products, variants, customers) = (
            keys(&t["dm_products_shopify"], "product_id"),
            keys(&t["dm_variants_shopify"], "variant_id"),
            keys(&t["dm_customers_shopify"], "customer_id"),
        );
        let order_keys = keys(orders, "order_id");
        for v in &t["dm_variants_shopify"] {
            assert!(products.contains(v["product_id"].as_str().unwrap()));
        }
        for o in orders {
            assert!(customers.contains(o["customer_id"].as_str().unwrap()));
        }
        let mut sums: HashMap<&str, i64> = HashMap::new();
        for i in &t["dm_order_items_shopify"] {
            assert!(order_keys.contains(i["order_id"].as_str().unwrap()));
            assert!(products.contains(i["product_id"].as_str().unwrap()));
            assert!(variants.contains(i["variant_id"].as_str().unwrap()));
            let line = i["quantity"].as_i64().unwrap() * money(&i["price"]) - money(&i["total_discount"]);
            *sums.entry(i["order_id"].as_str().unwrap()).or_default() += line;
        }
        for o in orders {
            let id = o["order_id"].as_str().unwrap();
            assert_eq!(sums[id], money(&o["subtotal_price"]), "order {id}");
            assert_eq!(money(&o["total_price"]), money(&o["subtotal_price"]) + money(&o["total_tax"]) + money(&o["total_shipping"]));
        }
    }

    #[test]
    fn time_makes_sense_and_customer_totals_add_up() {
        let t = generate(2, 400);
        let time = |v: &J| crate::core::time::parse_instant(v.as_str().unwrap()).unwrap();
        let mut firsts: HashMap<&str, (i64, u32, i64)> = HashMap::new();
        let mut last_number = 0;
        let mut last_time = i64::MIN;
        for o in &t["dm_orders_shopify"] {
            let e = firsts.entry(o["customer_id"].as_str().unwrap()).or_insert((i64::MAX, 0, 0));
            e.0 = e.0.min(time(&o["created_at"]));
            e.1 += 1;
            if !["refunded", "voided", "pending"].contains(&o["financial_status"].as_str().unwrap()) {
                e.2 += money(&o["total_price"]);
            }
            let n = o["order_number"].as_i64().unwrap();
            assert!(n > last_number && time(&o["created_at"]) >= last_time, "numbers rise with time");
            last_number = n;
            last_time = time(&o["created_at"]);
        }
        for c in &t["dm_customers_shopify"] {
            let (first, count, spent) = firsts[c["customer_id"].as_str().unwrap()];
            assert!(time(&c["created_at"]) < first, "a customer exists before their first order");
            assert_eq!(c["orders_count"].as_i64().unwrap(), i64::from(count));
            assert_eq!(money(&c["total_spent"]), spent);
        }
    }

    #[test]
    fn pixel_funnel_has_the_design_ratios_across_the_table() {
        let t = generate(3, 200);
        let events = &t["dm_shopify_pixel_events"];
        let mut by_session: HashMap<&str, Vec<&J>> = HashMap::new();
        for e in events {
            by_session.entry(e["session_id"].as_str().unwrap()).or_default().push(e);
        }
        let time = |e: &J| crate::core::time::parse_instant(e["event_time"].as_str().unwrap()).unwrap();
        for evs in by_session.values().filter(|evs| evs.iter().any(|e| e["event_name"] == "purchase")) {
            let purchase = evs.iter().find(|e| e["event_name"] == "purchase").unwrap();
            assert!(purchase["order_id"].is_string());
            assert!(evs.iter().all(|e| e["event_time"].as_str().unwrap() <= purchase["event_time"].as_str().unwrap()));
            // The design's timing: views over the 1-7 days before, carts over the last 1-3.
            let first = |name: &str| evs.iter().filter(|e| e["event_name"] == name).map(|e| time(e)).min().unwrap();
            let (view, cart) =
                ((time(purchase) - first("page_view")) as f64 / 86_400.0, (time(purchase) - first("add_to_cart")) as f64 / 86_400.0);
            assert!(
                (1.0..=7.0).contains(&view) && (0.99..=3.0).contains(&cart) && cart <= view,
                "views {view} days, carts {cart} days before"
            );
        }
        let count = |name: &str| events.iter().filter(|e| e["event_name"] == name).count() as f64;
        assert_eq!(count("purchase"), 200.0);
        // The whole table, browsing sessions included (the design's ratios).
        let (pv, atc) = (count("page_view") / 200.0, count("add_to_cart") / 200.0);
        assert!((5.0..=10.0).contains(&pv) && (2.0..=4.0).contains(&atc), "pv {pv} atc {atc}");
        assert!(by_session.len() > 400, "sessions that do not buy come between orders: {}", by_session.len());
    }

    #[test]
    fn same_seed_same_rows_other_seed_other_rows() {
        let a = generate(9, 30);
        assert_eq!(a["dm_orders_shopify"], generate(9, 30)["dm_orders_shopify"]);
        assert_ne!(a["dm_orders_shopify"], generate(10, 30)["dm_orders_shopify"]);
    }
}
