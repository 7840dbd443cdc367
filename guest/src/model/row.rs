//! One generated row: values by field, before they meet live columns.

use std::sync::Arc;

use crate::core::money::Cents;
use crate::core::time::Seconds;

/// A field's value. Keys stay symbolic (a sequence number) until the row is
/// written, when the column plan knows the run and the key column's type.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Money(Cents),
    /// A ratio or rate, written with up to six decimals.
    Decimal(f64),
    Text(String),
    Static(&'static str),
    /// Text shared by many rows (a session id, a page URL).
    Shared(Arc<str>),
    /// Shared text made of characters JSON takes as they are (hex ids):
    /// written without the scan for characters to escape.
    Plain(Arc<str>),
    Time(Seconds),
    Date(Seconds),
    /// The sequence number of a row this run generates (this table's key,
    /// or for a reference, the owner table's).
    NewKey(u64),
    /// A key read from the warehouse, as its JSON literal.
    Existing(Arc<str>),
    /// Raw JSON (an array of headlines, say).
    Json(String),
}

impl From<&'static str> for Value {
    fn from(s: &'static str) -> Value {
        Value::Static(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<Arc<str>> for Value {
    fn from(s: Arc<str>) -> Value {
        Value::Shared(s)
    }
}

impl From<&Arc<str>> for Value {
    fn from(s: &Arc<str>) -> Value {
        Value::Shared(s.clone())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Stores `value` in `slot`. Rows are filled a billion times: most values own
/// nothing, and only those that do pay for the (out-of-line) drop.
#[inline]
fn put(slot: &mut Value, value: Value) {
    let old = std::mem::replace(slot, value);
    match old {
        Value::Text(_) | Value::Shared(_) | Value::Plain(_) | Value::Existing(_) | Value::Json(_) => drop(old),
        // Plain data: nothing to free. Listed in full, so that a new variant
        // must be placed on one side or the other.
        Value::Null
        | Value::Bool(_)
        | Value::Int(_)
        | Value::Money(_)
        | Value::Decimal(_)
        | Value::Static(_)
        | Value::Time(_)
        | Value::Date(_)
        | Value::NewKey(_) => std::mem::forget(old),
    }
}

/// A reference to a row, new or existing.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyRef {
    New(u64),
    Existing(Arc<str>),
}

impl From<&KeyRef> for Value {
    fn from(k: &KeyRef) -> Value {
        match k {
            KeyRef::New(seq) => Value::NewKey(*seq),
            KeyRef::Existing(raw) => Value::Existing(raw.clone()),
        }
    }
}

/// Values indexed by a table's field enum; reused from row to row.
#[derive(Clone, Debug)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub fn new(fields: usize) -> Row {
        Row { values: vec![Value::Null; fields] }
    }

    /// Empties every field, keeping the allocation.
    pub fn clear(&mut self) {
        self.values.iter_mut().for_each(|v| put(v, Value::Null));
    }

    pub fn set(&mut self, field: impl Into<usize>, value: impl Into<Value>) -> &mut Row {
        put(&mut self.values[field.into()], value.into());
        self
    }

    pub fn get(&self, field: impl Into<usize>) -> &Value {
        &self.values[field.into()]
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }
}
