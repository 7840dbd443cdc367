//! Generation speed at native speed: rows per second for each platform's
//! whole table set (drafting, serialising to JSON), no I/O.
//! Run: cargo bench -p bustly-mock-guest

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use bustly_mock_guest::platforms::{REGISTRY, testkit};

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    for platform in REGISTRY {
        let key = if platform.name() == "shopify" { "text" } else { "bigint" };
        let plans = testkit::plans(*platform, key);
        let g = testkit::generation(*platform, 1, 200, &plans);
        let rows = testkit::stream_all(*platform, g.as_ref(), &plans);
        group.throughput(Throughput::Elements(rows));
        group.bench_function(platform.name(), |b| b.iter(|| testkit::stream_all(*platform, g.as_ref(), &plans)));
    }
    group.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
