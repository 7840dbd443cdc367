//! Who buys: the mapping between order slots and customers, and who each
//! new customer is.
//!
//! Orders are numbered in time (slot 0 is the earliest). A seeded
//! permutation scatters the slots over "positions"; positions are dealt out
//! in blocks, one block per customer, sized by the workspace's
//! orders-per-customer histogram: first to existing customers (the heaviest
//! blocks to those who already bought most), then to new customers, grouped
//! by their number of orders. Both directions are arithmetic (plus a small
//! table for existing customers), so an order finds its customer and a
//! customer finds all its orders without anything that grows with the run.

use std::sync::Arc;

use deunicode::deunicode;
use fake::Fake;
use fake::faker::address::en::{CityName, StateAbbr, ZipCode};
use fake::faker::internet::en::FreeEmailProvider;
use fake::faker::name::{de_de, en};
use fake::faker::phone_number::en::CellNumber;
use rand::RngExt;

use crate::core::perm::Permutation;
use crate::core::rng::{Domain, mix, stream, unit};
use crate::core::stats::Percentiles;
use crate::core::time::{DAY, PHI, Seconds, Timeline, weyl};
use crate::platforms::store::inputs::{ExistingCustomer, Locale, StoreInputs};

#[derive(Clone, Debug)]
struct Class {
    orders: u64,
    first_customer: u64,
    customers: u64,
    first_position: u64,
}

/// Who placed an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Buyer {
    /// An existing customer (index into the eligible list).
    Existing(usize),
    /// New customer `customer`, who places `orders` orders in this run.
    New { customer: u64, orders: u32 },
}

/// Which order slot each position (a customer's order) takes.
#[derive(Clone, Debug)]
enum Layout {
    /// A seeded permutation: a customer's orders fall anywhere in the
    /// period, in constant memory whatever the run's size.
    Shuffled(Permutation),
    /// Each customer's orders follow one another by the workspace's gaps
    /// (see `gap_layout`): a table per order, so only for runs of up to
    /// `GAP_LAYOUT_MAX` orders.
    Spaced { slot_to_position: Vec<u32>, position_to_slot: Vec<u32> },
}

impl Layout {
    fn position(&self, slot: u64) -> u64 {
        match self {
            Layout::Shuffled(perm) => perm.forward(slot),
            Layout::Spaced { slot_to_position, .. } => u64::from(slot_to_position[slot as usize]),
        }
    }

    fn slot(&self, position: u64) -> u64 {
        match self {
            Layout::Shuffled(perm) => perm.inverse(position),
            Layout::Spaced { position_to_slot, .. } => u64::from(position_to_slot[position as usize]),
        }
    }
}

/// Runs of up to this many orders space each customer's orders by the
/// workspace's gaps (8 bytes an order); larger ones shuffle them (smart
/// runs are at most 1,000 orders).
pub const GAP_LAYOUT_MAX: u64 = 250_000;

/// A step for the gaps' Weyl sequence, independent of the others.
const GAP_STEP: f64 = 0.381_966_011_250_105_1; // 2 - golden ratio

#[derive(Clone, Debug)]
pub struct CustomerBook {
    slots: u64,
    /// (index into `existing`, first position), by position; each block
    /// ends where the next begins, the last at `existing_positions`.
    existing_blocks: Vec<(usize, u64)>,
    existing_positions: u64,
    classes: Vec<Class>,
    new_customers: u64,
    layout: Layout,
    existing: Vec<ExistingCustomer>,
}

/// Customers per number of orders for a run of `n` orders: the histogram's
/// shares scaled to `n` positions, rounded so that the blocks fill exactly
/// `n` (systematic rounding keeps the shape for small runs too).
fn class_sizes(inputs: &StoreInputs, n: u64) -> Vec<(u64, u64)> {
    let h = &inputs.repeat.orders_per_customer;
    let mean = h.mean().max(1.0);
    let mut carry = 0.5;
    let mut sizes: Vec<(u64, u64)> = h
        .shares()
        .map(|(k, share)| {
            let exact = n as f64 * share / mean + carry;
            let whole = exact.floor();
            carry = exact - whole;
            (u64::from(k.max(1)), whole as u64)
        })
        .collect();
    let mut used: u64 = sizes.iter().map(|(k, c)| k * c).sum();
    // Too many positions: shrink the largest blocks until they fit.
    while used > n {
        let Some(i) = sizes.iter().rposition(|(_, c)| *c > 0) else { break };
        let (k, _) = sizes[i];
        sizes[i].1 -= 1;
        used -= k;
        let rest = (n - used).min(k - 1);
        if rest > 0 {
            add(&mut sizes, rest, 1);
            used += rest;
        }
    }
    // Too few: more customers, their sizes drawn evenly from the histogram
    // (the last one takes what is left), not a crowd of one-time buyers.
    let mut k = 0;
    while used < n {
        let size = u64::from(h.quantile(weyl(k, PHI))).max(1);
        let left = n - used;
        if size > left && 2 * left < size && sizes.iter().any(|(_, c)| *c > 0) {
            // A stub of a customer would stand out: the smallest customer
            // takes the rest instead.
            let i = sizes.iter().position(|(_, c)| *c > 0).expect("a customer");
            let smallest = sizes[i].0;
            sizes[i].1 -= 1;
            add(&mut sizes, smallest + left, 1);
            break;
        }
        add(&mut sizes, size.min(left), 1);
        used += size.min(left);
        k += 1;
    }
    sizes.retain(|(_, c)| *c > 0);
    sizes
}

fn add(sizes: &mut Vec<(u64, u64)>, orders: u64, customers: u64) {
    match sizes.iter_mut().find(|(k, _)| *k == orders) {
        Some(s) => s.1 += customers,
        None => {
            sizes.push((orders, customers));
            sizes.sort_unstable_by_key(|(k, _)| *k);
        }
    }
}

impl CustomerBook {
    pub fn new(inputs: &StoreInputs, timeline: &Timeline) -> CustomerBook {
        let n = inputs.orders;
        // Existing customers whose account exists before the period ends.
        let mut existing: Vec<ExistingCustomer> =
            inputs.existing_customers.iter().filter(|c| c.created_at.is_none_or(|t| t < inputs.period.end)).cloned().collect();
        // The best customers first: they take the largest blocks.
        existing.sort_by(|a, b| b.orders.cmp(&a.orders).then_with(|| a.key.cmp(&b.key)));
        let sizes = class_sizes(inputs, n);
        let customers: u64 = sizes.iter().map(|(_, c)| c).sum();
        let returning =
            ((customers as f64 * (1.0 - inputs.repeat.new_customers.clamp(0.0, 1.0))).round() as u64).min(existing.len() as u64);
        // Existing customers take the same share of every class, the
        // largest blocks going to the largest buyers.
        let mut blocks_of_existing: Vec<u64> = Vec::new();
        let mut new_counts: Vec<(u64, u64)> = Vec::new();
        let mut carry = 0.5;
        for &(k, c) in &sizes {
            let exact = c as f64 * returning as f64 / customers.max(1) as f64 + carry;
            let take = (exact.floor() as u64).min(c).min(returning - blocks_of_existing.len() as u64);
            carry = exact - exact.floor();
            blocks_of_existing.extend(std::iter::repeat_n(k, take as usize));
            new_counts.push((k, c - take));
        }
        blocks_of_existing.sort_unstable_by(|a, b| b.cmp(a));
        let mut existing_blocks = Vec::with_capacity(blocks_of_existing.len());
        let mut position = 0;
        for (i, k) in blocks_of_existing.iter().enumerate() {
            existing_blocks.push((i, position));
            position += k;
        }
        let existing_positions = position;
        let mut classes = Vec::new();
        let mut customer = 0;
        for (orders, customers) in new_counts.into_iter().filter(|(_, c)| *c > 0) {
            classes.push(Class { orders, first_customer: customer, customers, first_position: position });
            customer += customers;
            position += customers * orders;
        }
        debug_assert_eq!(position, n);
        // Every customer's block of positions, in position order: 16 bytes a
        // customer, so made only for runs that space orders by their gaps
        // (a million-order run would hold ~11 MB of them for nothing).
        let block_len = |i: usize, first: u64| existing_blocks.get(i + 1).map_or(existing_positions, |b| b.1) - first;
        let blocks = || -> Vec<(u64, u64)> {
            let mut blocks: Vec<(u64, u64)> =
                existing_blocks.iter().enumerate().map(|(i, (_, first))| (*first, block_len(i, *first))).collect();
            for c in &classes {
                blocks.extend((0..c.customers).map(|k| (c.first_position + k * c.orders, c.orders)));
            }
            blocks
        };
        let repeats =
            existing_blocks.iter().enumerate().any(|(i, (_, first))| block_len(i, *first) > 1) || classes.iter().any(|c| c.orders > 1);
        let layout = match &inputs.repeat.gaps {
            Some(gaps) if n <= GAP_LAYOUT_MAX && repeats => gap_layout(inputs.seed, n, &blocks(), gaps, timeline),
            _ => Layout::Shuffled(Permutation::new(n, mix(inputs.seed ^ Domain::Permutation as u64))),
        };
        CustomerBook { slots: n, existing_blocks, existing_positions, classes, new_customers: customer, layout, existing }
    }

    pub fn new_customers(&self) -> u64 {
        self.new_customers
    }

    /// Existing customers who buy in this run.
    pub fn returning_customers(&self) -> usize {
        self.existing_blocks.len()
    }

    pub fn existing(&self, index: usize) -> &ExistingCustomer {
        &self.existing[index]
    }

    /// Who placed the order in `slot`.
    pub fn buyer(&self, slot: u64) -> Buyer {
        let p = self.layout.position(slot);
        if p < self.existing_positions {
            let block = self.existing_blocks.partition_point(|(_, first)| *first <= p) - 1;
            return Buyer::Existing(self.existing_blocks[block].0);
        }
        let class = self
            .classes
            .iter()
            .find(|c| p >= c.first_position && p < c.first_position + c.customers * c.orders)
            .expect("every position belongs to a class");
        let offset = p - class.first_position;
        Buyer::New { customer: class.first_customer + offset / class.orders, orders: class.orders as u32 }
    }

    /// The slots of new customer `customer`, in no particular order.
    pub fn slots_of(&self, customer: u64) -> impl Iterator<Item = u64> + '_ {
        let class = self
            .classes
            .iter()
            .find(|c| customer >= c.first_customer && customer < c.first_customer + c.customers)
            .expect("customer index in range");
        let first = class.first_position + (customer - class.first_customer) * class.orders;
        (first..first + class.orders).map(|p| self.layout.slot(p))
    }

    pub fn slots(&self) -> u64 {
        self.slots
    }
}

/// Each customer's orders a gap apart, the gaps drawn from the workspace's
/// (stratified over all customers, so a short run keeps their shape): the
/// first at a time drawn from the period's own density, early enough for the
/// rest to fit. Every position's wished-for time is then ranked, and the
/// n-th wish gets the n-th slot: the slots keep the period's times (hours,
/// weekdays, seasons), each customer's orders keep their order and, about,
/// their gaps.
fn gap_layout(seed: u64, n: u64, blocks: &[(u64, u64)], gaps: &Percentiles, timeline: &Timeline) -> Layout {
    let period = timeline.period();
    let length = (period.end - period.start) as f64;
    let offset = unit(seed, Domain::Gaps, u64::MAX);
    let mut drawn = 0u64;
    let mut wishes: Vec<(Seconds, u32)> = Vec::with_capacity(n as usize);
    for (index, &(first, orders)) in blocks.iter().enumerate() {
        let mut steps: Vec<f64> = (1..orders)
            .map(|_| {
                drawn += 1;
                gaps.quantile((weyl(drawn, GAP_STEP) + offset).fract()) * DAY as f64
            })
            .collect();
        let span: f64 = steps.iter().sum();
        if span > 0.9 * length {
            // More orders than the period holds at these gaps: closer.
            steps.iter_mut().for_each(|s| *s *= 0.9 * length / span);
        }
        let span: f64 = steps.iter().sum();
        let latest = timeline.quantile_of(period.end - span as Seconds);
        let mut at = timeline.at(unit(seed, Domain::Gaps, index as u64) * latest) as f64;
        wishes.push((at as Seconds, first as u32));
        for (j, step) in steps.iter().enumerate() {
            at += step;
            wishes.push((at as Seconds, (first + 1 + j as u64) as u32));
        }
    }
    wishes.sort_unstable();
    let mut position_to_slot = vec![0u32; n as usize];
    let slot_to_position: Vec<u32> = wishes.iter().map(|(_, p)| *p).collect();
    for (slot, &p) in slot_to_position.iter().enumerate() {
        position_to_slot[p as usize] = slot as u32;
    }
    Layout::Spaced { slot_to_position, position_to_slot }
}

/// Who a new customer is.
#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    /// Names and state come from fake's lists, as they are (see `Contact`).
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: String,
    pub phone: String,
    pub city: String,
    pub state: &'static str,
    pub zip: String,
    pub accepts_marketing: bool,
}

impl Identity {
    pub fn new(seed: u64, customer: u64, locale: &Locale) -> Identity {
        let (contact, mut rng) = Contact::drawn(seed, customer, locale);
        Identity {
            phone: CellNumber().fake_with_rng(&mut rng),
            city: CityName().fake_with_rng(&mut rng),
            state: StateAbbr().fake_with_rng::<&str, _>(&mut rng),
            zip: ZipCode().fake_with_rng(&mut rng),
            accepts_marketing: rng.random_bool(0.4),
            first_name: contact.first_name,
            last_name: contact.last_name,
            email: contact.email,
        }
    }
}

/// The part of a new customer's identity an order shows: the same values
/// as `Identity::new`, without drawing the address an order does not need.
pub struct Contact {
    /// From the name lists, which need no escaping in JSON (tested below).
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: String,
}

impl Contact {
    pub fn new(seed: u64, customer: u64, locale: &Locale) -> Contact {
        Contact::drawn(seed, customer, locale).0
    }

    /// The contact and the customer's stream after it (the address comes next).
    fn drawn(seed: u64, customer: u64, locale: &Locale) -> (Contact, crate::core::rng::Stream) {
        let mut rng = stream(seed, Domain::Customer, customer);
        let (first_name, last_name): (&'static str, &'static str) = if locale.german_names {
            (de_de::FirstName().fake_with_rng(&mut rng), de_de::LastName().fake_with_rng(&mut rng))
        } else {
            (en::FirstName().fake_with_rng(&mut rng), en::LastName().fake_with_rng(&mut rng))
        };
        let provider: &str = FreeEmailProvider().fake_with_rng(&mut rng);
        // Names as an address's local part: ASCII letters and digits, lower case.
        let local = |out: &mut String, s: &str, limit: usize| {
            let mut push = |s: &str| out.extend(s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).take(limit));
            // Most names are ASCII already: only the others are transliterated (a new string).
            if s.is_ascii() { push(s) } else { push(&deunicode(s)) }
        };
        // The customer index keeps addresses unique, as a store requires.
        let mut email = String::with_capacity(first_name.len() + last_name.len() + provider.len() + 24);
        match rng.random_range(0..3) {
            0 => {
                local(&mut email, first_name, usize::MAX);
                email.push('.');
                local(&mut email, last_name, usize::MAX);
            }
            1 => {
                local(&mut email, first_name, 1);
                local(&mut email, last_name, usize::MAX);
            }
            _ => {
                local(&mut email, last_name, usize::MAX);
                email.push('_');
                local(&mut email, first_name, usize::MAX);
            }
        }
        email.push_str(itoa::Buffer::new().format(customer));
        email.push('@');
        email.push_str(provider);
        (Contact { first_name, last_name, email }, rng)
    }
}

/// What the order rows of an existing customer can show about them.
pub fn existing_identity(c: &ExistingCustomer) -> (Option<&str>, Option<&str>, Option<&str>) {
    (c.email.as_deref(), c.first_name.as_deref(), c.last_name.as_deref())
}

pub fn arc(s: &str) -> Arc<str> {
    Arc::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::stats::Discrete;
    use crate::core::time::{DAY, Period};
    use crate::platforms::store::inputs::{LOCALES, Repeat};
    use std::collections::HashMap;

    fn inputs(n: u64) -> StoreInputs {
        StoreInputs::defaults(3, n, Period { start: 1_700_000_000, end: 1_700_000_000 + 90 * DAY })
    }

    fn timeline(i: &StoreInputs) -> Timeline {
        Timeline::new(i.period, &i.shape, &i.season, &jiff::tz::TimeZone::UTC)
    }

    fn book(i: &StoreInputs) -> CustomerBook {
        CustomerBook::new(i, &timeline(i))
    }

    #[test]
    fn every_slot_has_one_buyer_and_every_customer_their_slots() {
        for n in [1, 10, 500, 2047] {
            let book = book(&inputs(n));
            let mut owned: HashMap<u64, Vec<u64>> = HashMap::new();
            for slot in 0..n {
                match book.buyer(slot) {
                    Buyer::New { customer, orders } => {
                        let slots: Vec<u64> = book.slots_of(customer).collect();
                        assert_eq!(slots.len(), orders as usize);
                        assert!(slots.contains(&slot), "slot {slot} among its customer's slots");
                        owned.entry(customer).or_default().push(slot);
                    }
                    Buyer::Existing(_) => panic!("no existing customers given"),
                }
            }
            assert_eq!(owned.len() as u64, book.new_customers(), "n={n}: every customer orders");
            assert_eq!(book.returning_customers(), 0);
        }
    }

    #[test]
    fn names_and_states_need_no_escaping_in_json() {
        use fake::locales::{DE_DE, Data, EN};
        for list in [EN::NAME_FIRST_NAME, EN::NAME_LAST_NAME, DE_DE::NAME_FIRST_NAME, DE_DE::NAME_LAST_NAME, EN::ADDRESS_STATE_ABBR] {
            for name in list {
                assert!(!name.chars().any(|c| c == '"' || c == '\\' || c < ' '), "{name:?} is written as plain JSON text");
            }
        }
    }

    #[test]
    fn most_customers_buy_once() {
        let book = book(&inputs(10_000));
        let once = (0..book.new_customers()).filter(|&c| book.slots_of(c).count() == 1).count() as f64;
        let share = once / book.new_customers() as f64;
        assert!((0.65..0.75).contains(&share), "{share}");
    }

    fn existing(k: usize, orders: u64) -> ExistingCustomer {
        ExistingCustomer {
            key: arc(&format!("\"c{k}\"")),
            created_at: Some(0),
            email: None,
            first_name: None,
            last_name: None,
            orders,
            favourite_type: None,
        }
    }

    /// Orders per buyer in a run: existing and new customers together.
    fn per_buyer(book: &CustomerBook, n: u64) -> HashMap<String, u64> {
        let mut out: HashMap<String, u64> = HashMap::new();
        for slot in 0..n {
            let who = match book.buyer(slot) {
                Buyer::Existing(i) => format!("e{i}"),
                Buyer::New { customer, .. } => format!("n{customer}"),
            };
            *out.entry(who).or_default() += 1;
        }
        out
    }

    #[test]
    fn orders_per_customer_follow_the_histogram_and_loyal_stores_keep_their_customers() {
        // A grocery-like store: 150 customers, about 20 orders each, few new ones.
        let mut i = inputs(600);
        i.existing_customers = (0..150).map(|k| existing(k, 10 + (k as u64 % 21))).collect();
        i.repeat = Repeat { orders_per_customer: Discrete::new((10..=30).map(|k| (k, 1.0))).unwrap(), new_customers: 0.1, gaps: None };
        let book = book(&i);
        let buyers = per_buyer(&book, 600);
        let mean = 600.0 / buyers.len() as f64;
        assert!((18.0..=22.0).contains(&mean), "{mean} orders per buyer");
        assert!(buyers.values().all(|&k| (10..=30).contains(&k)), "{buyers:?}");
        let returning = buyers.keys().filter(|k| k.starts_with('e')).count() as f64 / buyers.len() as f64;
        assert!((0.8..=1.0).contains(&returning), "{returning}");
        // The heaviest blocks go to those who bought most before.
        let e0 = buyers.get("e0").copied().unwrap_or(0);
        assert!(e0 >= 25, "the best customer keeps buying: {e0}");
        assert_eq!(book.existing(0).orders, 30);
    }

    #[test]
    fn small_runs_keep_the_histogram_shape() {
        // 196 orders of customers who order 15 to 35 times: about 8 of them,
        // never a crowd of one-time buyers filling the remainder.
        let mut i = inputs(196);
        i.repeat.orders_per_customer = Discrete::new((15..=35).map(|k| (k, 1.0))).unwrap();
        let book = book(&i);
        let buyers = per_buyer(&book, 196);
        let small = buyers.values().filter(|&&k| k < 10).count();
        assert!(small <= 1, "{buyers:?}");
        assert!((6..=11).contains(&buyers.len()), "{} customers", buyers.len());
    }

    #[test]
    fn tiny_runs_still_fill_every_slot() {
        let mut i = inputs(7);
        i.repeat.orders_per_customer = Discrete::new([(20, 1.0)]).unwrap();
        let book = book(&i);
        assert_eq!(per_buyer(&book, 7).values().sum::<u64>(), 7);
    }

    #[test]
    fn returning_customers_orders_follow_the_gaps() {
        // A year; customers of 2 to 12 orders; next orders come after 5 to
        // 15 days (median 10).
        let mut i = StoreInputs::defaults(5, 1200, Period { start: 1_700_000_000, end: 1_700_000_000 + 365 * DAY });
        i.repeat.orders_per_customer = Discrete::new((2..=12).map(|k| (k, 1.0))).unwrap();
        i.repeat.gaps = Some(Percentiles::new(vec![(0.05, 5.5), (0.5, 10.0), (0.95, 14.5)], 0.0).unwrap());
        let tl = timeline(&i);
        let b = CustomerBook::new(&i, &tl);
        let mut times: HashMap<u64, Vec<i64>> = HashMap::new();
        for slot in 0..1200 {
            let Buyer::New { customer, .. } = b.buyer(slot) else { panic!("no existing customers") };
            times.entry(customer).or_default().push(tl.nth(slot, 1200, 0.5));
        }
        let mut gaps: Vec<f64> = Vec::new();
        for (c, t) in &times {
            let slots: Vec<u64> = b.slots_of(*c).collect();
            assert_eq!(slots.len(), t.len(), "both directions agree");
            gaps.extend(t.windows(2).map(|w| (w[1] - w[0]) as f64 / DAY as f64));
        }
        gaps.sort_by(f64::total_cmp);
        let median = gaps[gaps.len() / 2];
        assert!((8.0..=12.0).contains(&median), "median gap {median} days");
        let (p10, p90) = (gaps[gaps.len() / 10], gaps[gaps.len() * 9 / 10]);
        assert!(p10 > 3.0 && p90 < 20.0, "p10 {p10}, p90 {p90}");
        // Without gaps, orders scatter over the year: far longer gaps.
        i.repeat.gaps = None;
        let shuffled = CustomerBook::new(&i, &tl);
        let mut spread = Vec::new();
        for c in 0..shuffled.new_customers() {
            let mut t: Vec<i64> = shuffled.slots_of(c).map(|s| tl.nth(s, 1200, 0.5)).collect();
            t.sort_unstable();
            spread.extend(t.windows(2).map(|w| (w[1] - w[0]) as f64 / DAY as f64));
        }
        spread.sort_by(f64::total_cmp);
        assert!(spread[spread.len() / 2] > 20.0, "{}", spread[spread.len() / 2]);
    }

    #[test]
    fn identities_are_stable_and_emails_unique() {
        let a = Identity::new(1, 42, &LOCALES[0]);
        assert_eq!(a, Identity::new(1, 42, &LOCALES[0]));
        let emails: std::collections::HashSet<String> = (0..2000).map(|c| Identity::new(1, c, &LOCALES[3]).email).collect();
        assert_eq!(emails.len(), 2000);
        assert!(emails.iter().all(|e| e.is_ascii() && e.contains('@')));
    }
}
