//! Files without a database: `generate --out DIR` writes one file per table
//! through the host, needs no configuration and reaches no warehouse; SQL
//! files load with plain SQL, and then status and clean treat their rows
//! like any generated rows.

use std::path::{Path, PathBuf};

use crate::harness::{AS_OF, Workspace};
use crate::shopify::orphans;

fn empty_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("e2e-files-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn sql_files_load_with_plain_sql_and_clean_removes_exactly_their_rows() {
    let mut ws = Workspace::new("files-sql");
    ws.load_demo_store();
    let before = ws.checksum();
    let out = empty_dir("sql");
    // No configuration at all: an empty config directory, no environment.
    let no_config = empty_dir("noconfig");
    std::fs::create_dir_all(&no_config).unwrap();
    let args = ["--config-dir", no_config.to_str().unwrap(), "generate", "shopify", "comprehensive", "--seed", "31", "--as-of", AS_OF];
    let run = ws.hr(&[&args[..], &["--out", out.to_str().unwrap(), "--format", "sql"]].concat());
    run.ok();
    let files = names(&out);
    assert_eq!(files.len(), 7, "{files:?}");
    assert!(files[0].starts_with("01-dm_shop_info_shopify") && files[6].starts_with("07-dm_shopify_pixel_events"), "{files:?}");
    assert_eq!(ws.checksum(), before, "nothing reached the warehouse");

    for f in &files {
        ws.execute(&std::fs::read_to_string(out.join(f)).unwrap());
    }
    ws.analyze();
    assert_eq!(ws.count("dm_orders_shopify", "t.order_id like 'mock-%'"), 500);
    assert_eq!(orphans(&mut ws), 0);
    let status = ws.hr(&["status", "shopify", "--json"]).ok().json();
    let generated: i64 = status["report"]["tables"].as_array().unwrap().iter().map(|t| t["generated_rows"].as_i64().unwrap()).sum();
    assert!(generated > 500, "status sees the loaded rows as generated: {generated}");
    ws.hr(&["clean", "shopify", "--confirm"]).ok();
    assert_eq!(ws.checksum(), before, "clean removed exactly the loaded rows");
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&no_config);
}

#[test]
fn csv_and_ndjson_are_the_same_rows_and_the_same_seed_gives_the_same_bytes() {
    let ws = Workspace::new("files-csv");
    let (a, b, c) = (empty_dir("csv-a"), empty_dir("csv-b"), empty_dir("ndjson"));
    let generate = |dir: &Path, format: &str| {
        ws.hr(&["generate", "bigcommerce", "minimal", "--seed", "8", "--as-of", AS_OF, "--out", dir.to_str().unwrap(), "--format", format])
            .ok();
    };
    generate(&a, "csv");
    generate(&b, "csv");
    generate(&c, "ndjson");
    for f in names(&a) {
        assert_eq!(std::fs::read(a.join(&f)).unwrap(), std::fs::read(b.join(&f)).unwrap(), "{f} differs between two runs of one seed");
        let csv_rows = std::fs::read_to_string(a.join(&f)).unwrap().lines().count() - 1;
        let ndjson = std::fs::read_to_string(c.join(f.replace(".csv", ".ndjson"))).unwrap();
        assert_eq!(csv_rows, ndjson.lines().count(), "{f}");
        for line in ndjson.lines() {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(row["tenant_id"], ws.id.as_str());
        }
    }
    // A directory that already holds output files is refused, untouched.
    let again = ws.hr(&["generate", "bigcommerce", "minimal", "--out", a.to_str().unwrap()]);
    assert!(again.failed().stderr.contains("already holds generated files"), "{}", again.stderr);
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}
