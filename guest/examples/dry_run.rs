//! A dry run at native speed: `shopify --count N` on an empty workspace,
//! every table drafted and written as JSON batches, nothing sent. Prints
//! rows per second per table and in all; `benches/generation-speed` puts
//! this beside the same dry run inside the component.
//! Run: cargo run --release -p bustly-mock-guest --example dry_run -- [orders] [platform]

use std::time::Instant;

use bustly_mock_guest::platforms::{REGISTRY, testkit};

fn main() {
    let mut args = std::env::args().skip(1);
    let orders: u64 = args.next().map_or(100_000, |a| a.parse().expect("orders is a number"));
    let name = args.next().unwrap_or_else(|| "shopify".into());
    let platform = *REGISTRY.iter().find(|p| p.name() == name).expect("a known platform");
    let key = if name == "shopify" { "text" } else { "bigint" };
    let plans = testkit::plans(platform, key);
    let started = Instant::now();
    let g = testkit::generation(platform, 3, orders, &plans);
    let mut total = 0;
    // As a run streams them: the tables drafted together, together.
    for step in testkit::steps(platform, g.as_ref()) {
        let t = Instant::now();
        let rows = testkit::stream_step(&step, g.as_ref(), &plans);
        let secs = t.elapsed().as_secs_f64();
        let names: Vec<&str> = step.iter().map(|s| s.name).collect();
        println!("{:<32} {:>9} rows {:>7.3} s {:>10.0} rows/s", names.join(" + "), rows, secs, rows as f64 / secs.max(1e-9));
        total += rows;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("native: {total} rows in {secs:.3} s = {:.0} rows/s", total as f64 / secs);
}
