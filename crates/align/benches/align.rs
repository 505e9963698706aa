//! Aligns 10,000 × 10,000 synthetic sentences: the linear-time claim.
//!
//! `cargo bench -p tmkit-align --bench align`

use criterion::{criterion_group, criterion_main, Criterion};
use tmkit_align::Aligner;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::corpus;

fn bench(c: &mut Criterion) {
    let (src, tgt) = corpus(10_000);
    let s = corpus::sents(&src);
    let t = corpus::sents(&tgt);
    let mut group = c.benchmark_group("align_10k");
    group.sample_size(10);
    let full = Aligner::new();
    group.bench_function("two_pass", |b| b.iter(|| full.align(&s, &t)));
    let one = Aligner::builder()
        .two_pass(false)
        .build()
        .expect("valid options");
    group.bench_function("one_pass", |b| b.iter(|| one.align(&s, &t)));
    let len = Aligner::builder()
        .length_only(true)
        .build()
        .expect("valid options");
    group.bench_function("length_only", |b| b.iter(|| len.align(&s, &t)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
