//! The engine every store platform shares. It decides the store (shop,
//! catalogue, customers, order timeline) and streams each table in
//! dependency order; a platform's `StoreVocabulary` turns the engine's drafts
//! into that platform's rows (its column names, statuses and conventions).

use std::sync::Arc;

use rand::RngExt;

use crate::core::money::Cents;
use crate::core::rng::{Domain, mix, stream2};
use crate::core::time::{DAY, MINUTE, Seconds, Timeline, time_zone};
use crate::error::Result;
use crate::model::row::{KeyRef, Row, Value};
use crate::model::table::TableSpec;
use crate::platforms::findings::Analysis;
use crate::platforms::link::{Conversions, StoreFacts, StoreSide};
use crate::platforms::store::analysis::{StoreFields, analyse};
use crate::platforms::store::catalogue::{Catalogue, ProductDraft, VariantDraft};
use crate::platforms::store::customers::{Buyer, Contact, CustomerBook, Identity};
use crate::platforms::store::inputs::StoreInputs;
use crate::platforms::store::orders::{AdSource, LineDraft, OrderBook, OrderDraft, OrderStatus, Source};
use crate::platforms::store::sessions::{EventDraft, Storefront};
use crate::platforms::store::shop::ShopDraft;
use crate::platforms::{AnalysisContext, Generation, Platform, Query, Rounds, Sink};

/// A store platform's tables, by role.
#[derive(Debug)]
pub struct StoreTables {
    pub shop: &'static TableSpec,
    pub products: &'static TableSpec,
    pub variants: &'static TableSpec,
    pub customers: &'static TableSpec,
    pub orders: &'static TableSpec,
    pub items: &'static TableSpec,
    /// Storefront pixel events, where the platform has them.
    pub events: Option<&'static TableSpec>,
}

/// A new customer, ready to be written.
#[derive(Clone, Debug)]
pub struct CustomerDraft {
    pub seq: u64,
    pub identity: Identity,
    pub created_at: Seconds,
    pub orders_count: u32,
    /// Sum of the totals of their orders that count as revenue.
    pub total_spent: Cents,
    pub last_order_at: Seconds,
}

/// Who an order's row names as its buyer.
#[derive(Clone, Debug)]
pub struct BuyerView {
    pub key: KeyRef,
    pub email: Option<String>,
    /// Text from the workspace, or a name from the lists (`Contact`).
    pub first_name: Value,
    pub last_name: Value,
    pub new: bool,
}

/// What a vocabulary may consult while writing rows.
pub struct Scene<'a> {
    pub inputs: &'a StoreInputs,
    pub shop: &'a ShopDraft,
    pub catalogue: &'a Catalogue,
    pub book: &'a OrderBook<'a>,
}

impl Scene<'_> {
    pub fn status(&self, order: &OrderDraft) -> &'static OrderStatus {
        self.book.status(order)
    }

    pub fn product(&self, line: &LineDraft) -> &ProductDraft {
        &self.catalogue.products[line.product]
    }

    pub fn variant(&self, line: &LineDraft) -> &VariantDraft {
        &self.catalogue.products[line.product].variants[line.variant]
    }

    /// When a catalogue row created at `created` was last edited: within the
    /// period's last 30 days, never before its creation nor after the end.
    pub fn touched(&self, created: Seconds) -> Seconds {
        let end = self.inputs.period.end;
        let from = created.max(end - 30 * DAY).min(end - 1);
        from + (mix(created as u64) % (end - from).max(1) as u64) as i64
    }
}

/// A store platform: its tables, what analysis reads, and its vocabulary.
/// Every store platform is one of these; `Platform` is implemented once,
/// here, for all of them.
pub struct StoreDefinition {
    pub name: &'static str,
    pub description: &'static str,
    pub tables: StoreTables,
    /// The same tables, parents before children.
    pub in_order: &'static [&'static TableSpec],
    pub fields: StoreFields,
    pub vocabulary: &'static dyn StoreVocabulary,
}

impl Platform for StoreDefinition {
    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        self.description
    }

    fn tables(&self) -> &'static [&'static TableSpec] {
        self.in_order
    }

    fn analyse(&'static self, cx: &AnalysisContext, query: &mut Query) -> Result<Box<dyn Generation>> {
        let (inputs, analysis) = analyse(cx, &self.tables, &self.fields, self.vocabulary.statuses(), self.name, query);
        Ok(Box::new(StoreGeneration::new(self, inputs, analysis)))
    }

    fn store(&'static self) -> Option<&'static StoreDefinition> {
        Some(self)
    }
}

/// One store platform's words for the engine's drafts.
pub trait StoreVocabulary: Sync {
    /// The platform's order statuses with their weights.
    fn statuses(&self) -> &'static [OrderStatus];
    /// Whether a product's variants are rows of the variants table
    /// (WooCommerce: only variable products have variations).
    fn variant_rows(&self, product: &ProductDraft) -> bool {
        let _ = product;
        true
    }
    fn shop_row(&self, s: &Scene, row: &mut Row);
    fn product_row(&self, s: &Scene, p: &ProductDraft, row: &mut Row);
    fn variant_row(&self, s: &Scene, p: &ProductDraft, v: &VariantDraft, row: &mut Row);
    fn customer_row(&self, s: &Scene, c: CustomerDraft, row: &mut Row);
    /// `buyer`'s text moves into the row.
    fn order_row(&self, s: &Scene, o: &OrderDraft, buyer: Option<BuyerView>, row: &mut Row);
    /// `line` is the index of the line in the order; `seq` the line item's
    /// sequence number (its key).
    fn item_row(&self, s: &Scene, o: &OrderDraft, line: usize, seq: u64, variant_key: Option<&KeyRef>, row: &mut Row);
    /// Sets every field of the event's row: rows are not cleared between
    /// events.
    fn event_row(&self, s: &Scene, o: &OrderDraft, e: &EventDraft, seq: u64, row: &mut Row) {
        let _ = (s, o, e, seq, row);
    }
}

/// A decided store generation.
pub struct StoreGeneration {
    definition: &'static StoreDefinition,
    vocabulary: &'static dyn StoreVocabulary,
    inputs: StoreInputs,
    shop: ShopDraft,
    catalogue: Catalogue,
    customers: CustomerBook,
    timeline: Timeline,
    ads: Option<Arc<dyn AdSource>>,
    /// What analysis found.
    analysis: Analysis,
}

impl StoreGeneration {
    pub fn new(definition: &'static StoreDefinition, inputs: StoreInputs, analysis: Analysis) -> StoreGeneration {
        let shop = ShopDraft::new(&inputs);
        let catalogue = Catalogue::new(&inputs, &shop);
        let timeline = Timeline::new(inputs.period, &inputs.shape, &inputs.season, &time_zone(&shop.timezone));
        let customers = CustomerBook::new(&inputs, &timeline);
        StoreGeneration { definition, vocabulary: definition.vocabulary, inputs, shop, catalogue, customers, timeline, ads: None, analysis }
    }

    pub fn inputs(&self) -> &StoreInputs {
        &self.inputs
    }

    pub fn shop(&self) -> &ShopDraft {
        &self.shop
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    fn book(&self) -> OrderBook<'_> {
        OrderBook {
            inputs: &self.inputs,
            shop: &self.shop,
            catalogue: &self.catalogue,
            customers: &self.customers,
            timeline: &self.timeline,
            statuses: self.vocabulary.statuses(),
            ads: self.ads.as_deref(),
        }
    }

    /// New customer `c`: who they are and what their orders add up to.
    pub fn customer(&self, book: &OrderBook, c: u64) -> CustomerDraft {
        // Folded as drafted: nothing kept per order.
        let (mut count, mut total_spent, mut first, mut last) = (0, 0, Seconds::MAX, Seconds::MIN);
        for slot in self.customers.slots_of(c) {
            let order = book.draft(slot);
            count += 1;
            if book.status(&order).revenue {
                total_spent += order.total;
            }
            first = first.min(order.at);
            last = last.max(order.at);
        }
        if count == 0 {
            (first, last) = (self.inputs.period.start, self.inputs.period.start);
        }
        let mut rng = stream2(self.inputs.seed, Domain::Customer, c, 1);
        // Accounts made at checkout, some earlier, a few long before.
        let lead = match rng.random_range(0..100) {
            0..45 => rng.random_range(2 * MINUTE..20 * MINUTE),
            45..80 => rng.random_range(DAY..30 * DAY),
            _ => rng.random_range(30 * DAY..180 * DAY),
        };
        CustomerDraft {
            seq: c,
            identity: Identity::new(self.inputs.seed, c, self.shop.locale),
            created_at: first - lead,
            orders_count: count,
            total_spent,
            last_order_at: last,
        }
    }

    fn buyer_view(&self, order: &OrderDraft) -> Option<BuyerView> {
        match &order.buyer {
            Buyer::New { customer, .. } => {
                let id = Contact::new(self.inputs.seed, *customer, self.shop.locale);
                Some(BuyerView {
                    key: self.buyer_key(order),
                    email: Some(id.email),
                    first_name: Value::Static(id.first_name),
                    last_name: Value::Static(id.last_name),
                    new: true,
                })
            }
            Buyer::Existing(i) => {
                let c = self.customers.existing(*i);
                Some(BuyerView {
                    key: self.buyer_key(order),
                    email: c.email.clone(),
                    first_name: c.first_name.clone().into(),
                    last_name: c.last_name.clone().into(),
                    new: false,
                })
            }
        }
    }

    /// The buyer's key alone: events need no name or address.
    fn buyer_key(&self, order: &OrderDraft) -> KeyRef {
        match &order.buyer {
            Buyer::New { customer, .. } => KeyRef::New(*customer),
            Buyer::Existing(i) => KeyRef::Existing(self.customers.existing(*i).key.clone()),
        }
    }

    fn variant_key(&self, line: &LineDraft) -> Option<KeyRef> {
        let product = &self.catalogue.products[line.product];
        if product.generated && !self.vocabulary.variant_rows(product) {
            return None;
        }
        product.variants[line.variant].key.clone()
    }
}

/// Orders a round drafts when one table streams alone.
const ROUND: u64 = 1024;

/// The tables written from each order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FromOrders {
    Orders,
    Items,
    Events,
}

/// Orders, their line items and their pixel events, each order drafted once
/// and written round by round (see `Rounds`).
struct OrderRounds<'g> {
    generation: &'g StoreGeneration,
    book: OrderBook<'g>,
    storefront: Storefront<'g>,
    /// The tables asked for, in order, each with its row.
    tables: Vec<(FromOrders, Row)>,
    next_slot: u64,
    /// Sequence numbers (keys) of the next line item and event.
    item_seq: u64,
    event_seq: u64,
    /// When the previous order was placed: sessions fill the time between.
    after: Seconds,
    drafts: Vec<OrderDraft>,
    events: Vec<EventDraft>,
}

impl StoreGeneration {
    /// Rounds over `tables`; None unless each is one written from orders.
    fn order_rounds(&self, tables: &[&TableSpec]) -> Option<OrderRounds<'_>> {
        let t = &self.definition.tables;
        let tables = tables
            .iter()
            .map(|table| {
                let kind = if std::ptr::eq(*table, t.orders) {
                    FromOrders::Orders
                } else if std::ptr::eq(*table, t.items) {
                    FromOrders::Items
                } else if t.events.is_some_and(|e| std::ptr::eq(*table, e)) {
                    FromOrders::Events
                } else {
                    return None;
                };
                Some((kind, Row::new(table.fields.len())))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(OrderRounds {
            generation: self,
            book: self.book(),
            storefront: Storefront::new(self.inputs.seed, &self.inputs.funnel, &self.catalogue, &self.shop.domain),
            tables,
            next_slot: 0,
            item_seq: 0,
            event_seq: 0,
            after: self.inputs.period.start,
            drafts: Vec::new(),
            events: Vec::new(),
        })
    }
}

impl Rounds for OrderRounds<'_> {
    fn next(&mut self, units: u64, sink: &mut dyn FnMut(usize, &Row) -> Result<()>) -> Result<bool> {
        let OrderRounds { generation: g, book, storefront, tables, next_slot, item_seq, event_seq, after, drafts, events } = self;
        let end = (*next_slot + units.max(1)).min(book.orders());
        if *next_slot >= end {
            return Ok(false);
        }
        drafts.clear();
        drafts.extend((*next_slot..end).map(|slot| book.draft(slot)));
        *next_slot = end;
        let v = g.vocabulary;
        let scene = Scene { inputs: &g.inputs, shop: &g.shop, catalogue: &g.catalogue, book };
        for (index, (table, row)) in tables.iter_mut().enumerate() {
            match table {
                FromOrders::Orders => {
                    for order in drafts.iter() {
                        row.clear();
                        v.order_row(&scene, order, g.buyer_view(order), row);
                        sink(index, row)?;
                    }
                }
                FromOrders::Items => {
                    for order in drafts.iter() {
                        for (i, line) in order.lines.iter().enumerate() {
                            row.clear();
                            v.item_row(&scene, order, i, *item_seq, g.variant_key(line).as_ref(), row);
                            sink(index, row)?;
                            *item_seq += 1;
                        }
                    }
                }
                FromOrders::Events => {
                    for order in drafts.iter() {
                        events.clear();
                        storefront.sessions(order, Some(g.buyer_key(order)), *after, events);
                        for e in events.iter() {
                            // Not cleared between events (a run has millions):
                            // event_row sets every field, which debug builds (the
                            // unit tests) check against a row built from empty.
                            v.event_row(&scene, order, e, *event_seq, row);
                            #[cfg(debug_assertions)]
                            {
                                let mut fresh = Row::new(row.values().len());
                                v.event_row(&scene, order, e, *event_seq, &mut fresh);
                                debug_assert_eq!(fresh.values(), row.values(), "event_row left a field of the previous event");
                            }
                            sink(index, row)?;
                            *event_seq += 1;
                        }
                        *after = order.at;
                    }
                }
            }
        }
        Ok(true)
    }
}

impl Generation for StoreGeneration {
    fn describe(&self) -> String {
        format!(
            "{}: {}; generating {} orders ({}) from {} to {} for {} ({}, {})",
            self.definition.name,
            self.analysis.headline(),
            self.inputs.orders,
            self.inputs.rule,
            crate::core::time::format_timestamp(self.inputs.period.start),
            crate::core::time::format_timestamp(self.inputs.period.end),
            self.shop.name,
            self.shop.currency,
            self.shop.timezone
        )
    }

    fn analysis(&self) -> Analysis {
        self.analysis.clone()
    }

    fn estimate(&self, table: &TableSpec) -> u64 {
        let t = &self.definition.tables;
        let n = self.inputs.orders;
        let named = |spec: &TableSpec| std::ptr::eq(spec, table);
        if named(t.shop) {
            u64::from(self.shop.generated)
        } else if named(t.products) {
            self.catalogue.new_products().len() as u64
        } else if named(t.variants) {
            self.catalogue.new_products().iter().filter(|p| self.vocabulary.variant_rows(p)).map(|p| p.variants.len() as u64).sum()
        } else if named(t.customers) {
            self.customers.new_customers()
        } else if named(t.orders) {
            n
        } else if named(t.items) {
            (n as f64 * self.inputs.lines_per_order).round() as u64
        } else {
            let (page_views, carts, _) = self.inputs.funnel.per_purchase();
            (n as f64 * (page_views + carts + 1.0)).round() as u64
        }
    }

    fn stream(&self, table: &TableSpec, sink: &mut Sink) -> Result<()> {
        let t = &self.definition.tables;
        let v = self.vocabulary;
        let book = self.book();
        let scene = Scene { inputs: &self.inputs, shop: &self.shop, catalogue: &self.catalogue, book: &book };
        let mut row = Row::new(table.fields.len());
        let named = |spec: &TableSpec| std::ptr::eq(spec, table);
        if named(t.shop) {
            if self.shop.generated {
                v.shop_row(&scene, &mut row);
                sink(&row)?;
            }
        } else if named(t.products) {
            for p in self.catalogue.new_products() {
                row.clear();
                v.product_row(&scene, p, &mut row);
                sink(&row)?;
            }
        } else if named(t.variants) {
            for p in self.catalogue.new_products().iter().filter(|p| v.variant_rows(p)) {
                for variant in &p.variants {
                    row.clear();
                    v.variant_row(&scene, p, variant, &mut row);
                    sink(&row)?;
                }
            }
        } else if named(t.customers) {
            for c in 0..self.customers.new_customers() {
                let customer = self.customer(&book, c);
                row.clear();
                v.customer_row(&scene, customer, &mut row);
                sink(&row)?;
            }
        } else if let Some(mut rounds) = self.order_rounds(&[table]) {
            while rounds.next(ROUND, &mut |_, row| sink(row))? {}
        }
        Ok(())
    }

    fn together(&self) -> Vec<&'static TableSpec> {
        let t = &self.definition.tables;
        [Some(t.orders), Some(t.items), t.events].into_iter().flatten().collect()
    }

    fn rounds<'g>(&'g self, tables: &[&'static TableSpec]) -> Option<Box<dyn Rounds + 'g>> {
        Some(Box::new(self.order_rounds(tables)?))
    }

    fn as_store(&mut self) -> Option<&mut dyn StoreSide> {
        Some(self)
    }
}

impl StoreSide for StoreGeneration {
    fn facts(&self) -> StoreFacts {
        let book = self.book();
        let sample = self.inputs.orders.min(200);
        let average_order = if sample == 0 {
            0
        } else {
            (0..sample).map(|slot| book.draft(slot * self.inputs.orders / sample).total).sum::<Cents>() / sample as Cents
        };
        let products = self
            .catalogue
            .products
            .iter()
            .filter(|p| p.status == crate::platforms::store::catalogue::ProductStatus::Active)
            .flat_map(|p| {
                p.variants.iter().map(move |v| (v.sku.to_string(), p.title.to_string(), p.vendor.to_string(), p.product_type.clone()))
            })
            .filter(|(sku, ..)| !sku.is_empty())
            .take(200)
            .collect();
        StoreFacts {
            shop_name: self.shop.name.clone(),
            domain: self.shop.domain.clone(),
            currency: self.shop.currency.to_string(),
            timezone: self.shop.timezone.clone(),
            vertical: self.shop.vertical,
            period: Some(self.inputs.period),
            products,
            average_order,
        }
    }

    fn attach(&mut self, clicks: Arc<dyn AdSource>) {
        self.ads = Some(clicks);
    }

    fn conversions(&self) -> Conversions {
        let book = self.book();
        let mut out = Conversions::default();
        for slot in 0..self.inputs.orders {
            let order = book.draft(slot);
            if let Source::Ad(click) = &order.source {
                out.add(click.campaign, click.clicked_at.div_euclid(DAY), order.total);
            }
        }
        out
    }
}
