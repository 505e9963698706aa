//! Read throughput on a generated 100k-unit TMX, against quick-xml's bare
//! event loops over the same bytes: buffered (`read_event_into`, as over a
//! file) and in place (`read_event` over the slice, which is how tmkit
//! parses a UTF-8 document held in memory).
//!
//! `cargo bench -p tmkit-tmx --bench read`; results in `docs/BENCHMARKS.md`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tmkit_tmx::TmxReader;

mod common;
use common::{bare_loop, generate, in_place_loop};

fn tmkit(bytes: &[u8]) -> usize {
    TmxReader::from_slice(bytes, "bench.tmx")
        .unwrap()
        .map(|tu| tu.unwrap().variants.len())
        .sum()
}

/// The same, with the XML parsed on the calling thread only.
fn tmkit_one_thread(bytes: &[u8]) -> usize {
    TmxReader::from_slice(bytes, "bench.tmx")
        .unwrap()
        .parse_ahead(false)
        .map(|tu| tu.unwrap().variants.len())
        .sum()
}

fn bench(c: &mut Criterion) {
    let doc = generate(100_000);
    let utf8 = doc.as_bytes();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(doc.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(tmkit(utf8), 200_000);
    assert_eq!(tmkit_one_thread(utf8), 200_000);
    assert_eq!(tmkit(&utf16), 200_000);

    let mut g = c.benchmark_group("read-100k");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(utf8.len() as u64));
    g.bench_function("quick-xml bare loop (utf-8)", |b| {
        b.iter(|| bare_loop(utf8))
    });
    g.bench_function("quick-xml in-place loop (utf-8)", |b| {
        b.iter(|| in_place_loop(utf8))
    });
    g.bench_function("tmkit TmxReader (utf-8)", |b| b.iter(|| tmkit(utf8)));
    g.bench_function("tmkit TmxReader (utf-8, one thread)", |b| {
        b.iter(|| tmkit_one_thread(utf8))
    });
    g.throughput(Throughput::Bytes(utf16.len() as u64));
    g.bench_function("tmkit TmxReader (utf-16le)", |b| b.iter(|| tmkit(&utf16)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
