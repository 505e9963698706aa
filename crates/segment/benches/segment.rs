//! Throughput of the built-in French rules, of LanguageTool's SRX rules on
//! tmkit's SRX engine, and of a naive split on ". " as the baseline.
//!
//! Run: `cargo bench -p tmkit-segment --bench segment`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tmkit_core::Lang;
use tmkit_segment::Segmenter;

const DISPATCH_FR: &str = include_str!("../../../examples/dispatch/dispatch.fr.txt");
const LT_SRX: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/srx/languagetool_segment.srx"
);

/// About 1 MB of French news: the dispatch, repeated.
fn corpus() -> String {
    let mut text = String::with_capacity(1 << 20);
    while text.len() < 1 << 20 {
        text.push_str(DISPATCH_FR);
        text.push_str("\n\n");
    }
    text
}

/// The baseline: cut after every ". ".
fn naive(text: &str) -> usize {
    text.split(". ").filter(|s| !s.trim().is_empty()).count()
}

fn bench(c: &mut Criterion) {
    let text = corpus();
    let fr = Lang::parse("fr").unwrap();
    let builtin = Segmenter::builtin(&fr);
    let mut g = c.benchmark_group("segment_fr");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("naive_dot_space", |b| {
        b.iter(|| naive(std::hint::black_box(&text)))
    });
    g.bench_function("builtin", |b| {
        b.iter(|| builtin.segment(std::hint::black_box(&text)).len())
    });
    if let Ok(xml) = std::fs::read_to_string(LT_SRX) {
        let lt = Segmenter::from_srx(&xml, &fr).unwrap();
        // LanguageTool's rules run about 1000 times slower: a smaller input
        // keeps the run short.
        let small = &text[..DISPATCH_FR.len()];
        g.throughput(Throughput::Bytes(small.len() as u64));
        g.bench_function("languagetool_srx", |b| {
            b.iter(|| lt.segment(std::hint::black_box(small)).len())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
