//! Who buys: the mapping between order slots and customers, and who each
//! new customer is.
//!
//! Orders are numbered in time (slot 0 is the earliest). A seeded
//! permutation scatters the slots over "positions"; positions are dealt out
//! in blocks: first to the workspace's existing customers, then to new
//! customers with one order, two orders, and so on. Both directions are
//! arithmetic, so an order finds its customer and a customer finds all its
//! orders without any table that grows with the run.

use std::sync::Arc;

use deunicode::deunicode;
use fake::Fake;
use fake::faker::address::en::{CityName, StateAbbr, ZipCode};
use fake::faker::internet::en::FreeEmailProvider;
use fake::faker::name::{de_de, en};
use fake::faker::phone_number::en::CellNumber;
use rand::RngExt;

use crate::core::perm::Permutation;
use crate::core::rng::{Domain, mix, stream};
use crate::platforms::store::inputs::{ExistingCustomer, Locale, StoreInputs};

/// Share of customers by number of orders in the period: most buy once
/// (e-commerce repeat-customer rates are commonly put near 25-30%).
const ORDERS_PER_CUSTOMER: [f64; 6] = [0.70, 0.17, 0.07, 0.03, 0.02, 0.01];

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
    /// New customer `customer`; this is their `nth` of `orders` orders (0-based, in time).
    New { customer: u64, nth: u32, orders: u32 },
}

#[derive(Clone, Debug)]
pub struct CustomerBook {
    slots: u64,
    existing_slots: u64,
    classes: Vec<Class>,
    new_customers: u64,
    perm: Permutation,
    seed: u64,
    existing: Vec<ExistingCustomer>,
}

impl CustomerBook {
    pub fn new(inputs: &StoreInputs) -> CustomerBook {
        let n = inputs.orders;
        // Existing customers who already existed when the period began.
        let existing: Vec<ExistingCustomer> =
            inputs.existing_customers.iter().filter(|c| c.created_at.is_some_and(|t| t < inputs.period.start)).cloned().collect();
        let existing_slots = if existing.is_empty() {
            0
        } else {
            let x = existing.len() as f64;
            let share = (x / (x + n as f64 / 1.5)).min(0.35);
            ((n as f64 * share).round() as u64).min(n)
        };
        let positions = n - existing_slots;
        let mean: f64 = ORDERS_PER_CUSTOMER.iter().enumerate().map(|(i, p)| (i + 1) as f64 * p).sum();
        let mut counts: Vec<u64> = ORDERS_PER_CUSTOMER.iter().map(|p| (positions as f64 * p / mean).floor() as u64).collect();
        let repeat_positions: u64 = counts.iter().enumerate().skip(1).map(|(i, c)| (i as u64 + 1) * c).sum();
        counts[0] = positions - repeat_positions;
        let mut classes = Vec::new();
        let (mut customer, mut position) = (0, existing_slots);
        for (i, &customers) in counts.iter().enumerate() {
            let orders = i as u64 + 1;
            classes.push(Class { orders, first_customer: customer, customers, first_position: position });
            customer += customers;
            position += customers * orders;
        }
        debug_assert_eq!(position, n);
        CustomerBook {
            slots: n,
            existing_slots,
            classes,
            new_customers: customer,
            perm: Permutation::new(n, mix(inputs.seed ^ Domain::Permutation as u64)),
            seed: inputs.seed,
            existing,
        }
    }

    pub fn new_customers(&self) -> u64 {
        self.new_customers
    }

    pub fn existing(&self, index: usize) -> &ExistingCustomer {
        &self.existing[index]
    }

    /// Who placed the order in `slot`.
    pub fn buyer(&self, slot: u64) -> Buyer {
        let p = self.perm.forward(slot);
        if p < self.existing_slots {
            let i = (mix(self.seed ^ mix(p ^ Domain::ExistingCustomer as u64)) % self.existing.len() as u64) as usize;
            return Buyer::Existing(i);
        }
        let class = self
            .classes
            .iter()
            .find(|c| p >= c.first_position && p < c.first_position + c.customers * c.orders)
            .expect("every position belongs to a class");
        let offset = p - class.first_position;
        let customer = class.first_customer + offset / class.orders;
        // The customer's orders in time order: rank this slot among them.
        let slots = self.slots_of(customer);
        let nth = slots.iter().position(|s| *s == slot).expect("a customer owns its slots") as u32;
        Buyer::New { customer, nth, orders: class.orders as u32 }
    }

    /// The slots of new customer `customer`, earliest first.
    pub fn slots_of(&self, customer: u64) -> Vec<u64> {
        let class = self
            .classes
            .iter()
            .find(|c| customer >= c.first_customer && customer < c.first_customer + c.customers)
            .expect("customer index in range");
        let first = class.first_position + (customer - class.first_customer) * class.orders;
        let mut slots: Vec<u64> = (first..first + class.orders).map(|p| self.perm.inverse(p)).collect();
        slots.sort_unstable();
        slots
    }

    pub fn slots(&self) -> u64 {
        self.slots
    }
}

/// Who a new customer is.
#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub accepts_marketing: bool,
}

impl Identity {
    pub fn new(seed: u64, customer: u64, locale: &Locale) -> Identity {
        let mut rng = stream(seed, Domain::Customer, customer);
        let (first_name, last_name): (String, String) = if locale.german_names {
            (de_de::FirstName().fake_with_rng(&mut rng), de_de::LastName().fake_with_rng(&mut rng))
        } else {
            (en::FirstName().fake_with_rng(&mut rng), en::LastName().fake_with_rng(&mut rng))
        };
        let provider: String = FreeEmailProvider().fake_with_rng(&mut rng);
        let local = |s: &str| deunicode(s).to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>();
        // The customer index keeps addresses unique, as a store requires.
        let email = match rng.random_range(0..3) {
            0 => format!("{}.{}{}@{provider}", local(&first_name), local(&last_name), customer),
            1 => format!("{}{}{}@{provider}", &local(&first_name)[..1], local(&last_name), customer),
            _ => format!("{}_{}{}@{provider}", local(&last_name), local(&first_name), customer),
        };
        Identity {
            phone: CellNumber().fake_with_rng(&mut rng),
            city: CityName().fake_with_rng(&mut rng),
            state: StateAbbr().fake_with_rng(&mut rng),
            zip: ZipCode().fake_with_rng(&mut rng),
            accepts_marketing: rng.random_bool(0.4),
            first_name,
            last_name,
            email,
        }
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
    use crate::core::time::{DAY, Period};
    use crate::platforms::store::inputs::LOCALES;
    use std::collections::HashMap;

    fn inputs(n: u64) -> StoreInputs {
        StoreInputs::defaults(3, n, Period { start: 1_700_000_000, end: 1_700_000_000 + 90 * DAY })
    }

    #[test]
    fn every_slot_has_one_buyer_and_every_customer_their_slots() {
        for n in [1, 10, 500, 2047] {
            let book = CustomerBook::new(&inputs(n));
            let mut owned: HashMap<u64, Vec<u64>> = HashMap::new();
            for slot in 0..n {
                match book.buyer(slot) {
                    Buyer::New { customer, nth, orders } => {
                        let slots = book.slots_of(customer);
                        assert_eq!(slots.len(), orders as usize);
                        assert_eq!(slots[nth as usize], slot);
                        owned.entry(customer).or_default().push(slot);
                    }
                    Buyer::Existing(_) => panic!("no existing customers given"),
                }
            }
            assert_eq!(owned.len() as u64, book.new_customers(), "n={n}: every customer orders");
        }
    }

    #[test]
    fn most_customers_buy_once() {
        let book = CustomerBook::new(&inputs(10_000));
        let once = (0..book.new_customers()).filter(|&c| book.slots_of(c).len() == 1).count() as f64;
        let share = once / book.new_customers() as f64;
        assert!((0.65..0.75).contains(&share), "{share}");
    }

    #[test]
    fn existing_customers_take_a_share_of_orders() {
        let mut i = inputs(1000);
        i.existing_customers = (0..50)
            .map(|k| ExistingCustomer {
                key: arc(&format!("\"c{k}\"")),
                created_at: Some(0),
                email: None,
                first_name: None,
                last_name: None,
            })
            .collect();
        let book = CustomerBook::new(&i);
        let existing = (0..1000).filter(|&s| matches!(book.buyer(s), Buyer::Existing(_))).count();
        assert!((30..=120).contains(&existing), "{existing}");
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
