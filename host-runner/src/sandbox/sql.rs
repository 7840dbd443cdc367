//! SQL files the host writes itself: a user runs them with `psql -f`, so
//! nothing in them may be the component's choice. The component hands over
//! rows (a JSON array of objects); the host checks every table and column
//! name, writes the statement around them, and passes the rows through
//! serde_json again inside a dollar quote whose tag they do not contain.
//! psql reads a dollar-quoted string as data: no `\` command, no variable,
//! no statement can start inside it.

use serde_json::{Map, Value};

/// What opens and what ends a file: one transaction, committed only when
/// the call succeeded (a file cut short rolls back in psql).
pub const BEGIN: &str = "begin;\n";
pub const COMMIT: &str = "commit;\n";

/// A lowercase SQL identifier of the warehouse's kind (`dm_orders_shopify`,
/// `tenant_id`): the only names written, always double-quoted as well.
fn identifier(name: &str) -> Result<&str, String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if first_ok && name.len() <= 63 && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(name)
    } else {
        Err(format!("'{}' is not a table or column name (lowercase letters, digits and _)", name.escape_debug()))
    }
}

/// The statement inserting `rows` (a JSON array of objects with the same
/// keys) into `semantic.<table>`.
pub fn insert(table: &str, rows: &[u8]) -> Result<String, String> {
    let table = identifier(table)?;
    let rows: Vec<Map<String, Value>> =
        serde_json::from_slice(rows).map_err(|e| format!("the rows are not a JSON array of objects ({e})"))?;
    let first = rows.first().ok_or("no rows")?;
    let columns: Vec<&str> = first.keys().map(|k| identifier(k)).collect::<Result<_, _>>()?;
    if let Some(n) = rows.iter().position(|r| r.len() != columns.len() || !columns.iter().all(|c| r.contains_key(*c))) {
        return Err(format!("row {n} has other columns than the first"));
    }
    let json = serde_json::to_string(&rows).map_err(|e| e.to_string())?;
    let tag = (0..).map(|i| format!("$rows{i}$")).find(|t| !json.contains(t.as_str())).expect("some tag is free");
    let list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    Ok(format!(
        "insert into semantic.\"{table}\" ({list}) select {list} from json_populate_recordset(null::semantic.\"{table}\", {tag}{json}{tag});\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_writes_the_statement_around_checked_names() {
        let s = insert("dm_orders_shopify", br#"[{"tenant_id":"ws","note":"$rows0$"},{"note":"a","tenant_id":"ws"}]"#).unwrap();
        assert!(s.starts_with(r#"insert into semantic."dm_orders_shopify" ("note", "tenant_id") select "note", "tenant_id" from json_populate_recordset(null::semantic."dm_orders_shopify", $rows1$["#), "{s}");
        assert!(s.ends_with("$rows1$);\n"), "{s}");
    }

    #[test]
    fn nothing_of_the_components_becomes_a_statement() {
        for (table, rows) in [
            ("t\"; drop table x; --", r#"[{"a":1}]"#),
            ("t", r#"[{"a\"); drop table x; --":1}]"#),
            ("t", r#"[{"A":1}]"#),
            ("t", r#"[]"#),
            ("t", r#"[{"a":1},{"b":1}]"#),
            ("t", r#"[{"a":1},{"a":1,"b":2}]"#),
            ("t", r#"{"a":1}"#),
            ("t", "[{\"a\":1}]);\n\\! touch /tmp/owned\n"),
        ] {
            assert!(insert(table, rows.as_bytes()).is_err(), "{table} {rows}");
        }
        // Data that looks like psql is data: one line, inside the quote.
        let s = insert("t", br#"[{"a":"x$$; \\! touch /tmp/owned\n\\copy t to program 'sh'"}]"#).unwrap();
        assert_eq!(s.lines().count(), 1, "{s}");
        let body = s.split("$rows0$").nth(1).unwrap();
        assert!(!body.contains('\n') && !s.contains("$rows0$);\n\\"), "{s}");
    }
}
