//! What a generator knows about a table: its fields, by meaning.
//!
//! A field has a canonical name and the other names warehouses use for the
//! same thing (`created_at` / `date_created`, `first_name` / `firstname`).
//! The live schema decides which of them a row actually carries.

/// What kind of value a field holds, and so which column types can take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// The workspace id.
    Tenant,
    /// The table's own key: marked with the run (see `core::keys`).
    Key,
    /// A key of another table (`owner`), new (marked) or existing (as read).
    Ref {
        owner: &'static str,
    },
    Text,
    Int,
    Money,
    Decimal,
    Time,
    Date,
    Bool,
    Json,
}

impl FieldKind {
    /// Whether a column of SQL type `data_type` can store this kind.
    pub fn accepts(self, data_type: &str) -> bool {
        let t = data_type.to_ascii_lowercase();
        let textual = matches!(t.as_str(), "text" | "character varying" | "varchar" | "character" | "citext");
        let numeric =
            matches!(t.as_str(), "numeric" | "decimal" | "real" | "double precision" | "money" | "bigint" | "integer" | "smallint");
        match self {
            FieldKind::Tenant => textual || t == "uuid",
            FieldKind::Key | FieldKind::Ref { .. } => textual || t == "uuid" || matches!(t.as_str(), "bigint" | "numeric"),
            FieldKind::Text => textual,
            FieldKind::Int => numeric || textual,
            FieldKind::Money | FieldKind::Decimal => {
                matches!(t.as_str(), "numeric" | "decimal" | "real" | "double precision" | "money") || textual
            }
            FieldKind::Time => t.starts_with("timestamp") || t == "date" || textual,
            FieldKind::Date => t == "date" || t.starts_with("timestamp") || textual,
            FieldKind::Bool => t == "boolean" || textual,
            FieldKind::Json => matches!(t.as_str(), "json" | "jsonb") || textual,
        }
    }
}

/// One field of a table, as the generator sees it.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: FieldKind,
    /// The generator leaves it empty for some rows (a guest order has no
    /// customer): such a field cannot fill a NOT NULL column.
    pub optional: bool,
}

impl FieldSpec {
    pub fn answers_to(&self, column: &str) -> bool {
        self.name.eq_ignore_ascii_case(column) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(column))
    }
}

/// A table a platform generates.
#[derive(Debug)]
pub struct TableSpec {
    /// Bare name in schema `semantic`.
    pub name: &'static str,
    pub fields: &'static [FieldSpec],
    /// The field whose generated values carry the run mark: the table's own
    /// key, or for report tables without one, the key of the entity a row
    /// belongs to (a keyword's search terms).
    pub marker: &'static str,
    /// The field saying when a row's entity was created, if any (status
    /// reports a run's first and last row by it).
    pub created: Option<&'static str>,
}

impl TableSpec {
    pub fn field(&self, name: &str) -> Option<(usize, &FieldSpec)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }

    pub fn qualified(&self) -> String {
        format!("semantic.{}", self.name)
    }
}

/// Declares a table's fields twice over, from one list: an enum to index a
/// row with (`row.set(Order::Total, ...)`) and the matching `FieldSpec`s.
/// Syntax per field: `Variant = "name" [aliases...] Kind`, with `?` before
/// the kind when the generator may leave it empty.
#[macro_export]
macro_rules! fields {
    ($vis:vis enum $name:ident { $( $variant:ident = $field:literal [$($alias:literal),*] $(? $opt:tt)? $kind:expr ),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(dead_code)]
        $vis enum $name { $($variant),+ }

        impl $name {
            pub const SPECS: &'static [$crate::model::table::FieldSpec] = &[
                $($crate::model::table::FieldSpec {
                    name: $field,
                    aliases: &[$($alias),*],
                    kind: $kind,
                    optional: $crate::fields!(@opt $($opt)?),
                }),+
            ];
        }

        impl From<$name> for usize {
            fn from(f: $name) -> usize { f as usize }
        }
    };
    (@opt) => { false };
    (@opt $x:tt) => { true };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::fields! {
        enum Demo {
            Id = "order_id" ["id"] FieldKind::Key,
            Made = "created_at" ["date_created"] FieldKind::Time,
            Customer = "customer_id" [] ?opt FieldKind::Ref { owner: "customers" },
        }
    }

    #[test]
    fn the_macro_keeps_enum_and_specs_in_step() {
        assert_eq!(Demo::SPECS.len(), 3);
        assert_eq!(Demo::SPECS[usize::from(Demo::Made)].name, "created_at");
        assert!(Demo::SPECS[usize::from(Demo::Made)].answers_to("DATE_CREATED"));
        assert!(!Demo::SPECS[usize::from(Demo::Id)].optional);
        assert!(Demo::SPECS[usize::from(Demo::Customer)].optional);
    }

    #[test]
    fn kinds_accept_compatible_columns_only() {
        assert!(FieldKind::Money.accepts("numeric"));
        assert!(!FieldKind::Money.accepts("boolean"));
        assert!(FieldKind::Key.accepts("uuid"));
        assert!(!FieldKind::Key.accepts("integer"));
        assert!(FieldKind::Time.accepts("timestamp with time zone"));
        assert!(!FieldKind::Bool.accepts("integer"));
    }
}
