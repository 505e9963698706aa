//! Criterion benches: scoring one pair, and a lookup in an index built from
//! the first 20,000 units of `../shared/bigtm/bigtm.tsv.gz` (skipped when the
//! file is absent). The full-size measurements are `examples/bench_bigtm.rs`.

use std::io::BufRead;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tmkit_fuzzy::{score, Index, Scorer};

const BIGTM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/bigtm/bigtm.tsv.gz"
);

fn sources(n: usize) -> Vec<String> {
    let Ok(file) = std::fs::File::open(BIGTM) else {
        return Vec::new();
    };
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    reader
        .lines()
        .map_while(Result::ok)
        .take(n)
        .filter_map(|l| l.split('\t').next().map(str::to_owned))
        .collect()
}

fn bench(c: &mut Criterion) {
    let a = "La motion porte sur les projets d'ajustement relatifs aux petites semaines.";
    let b = "La motion porte sur les grands projets d'ajustement relatifs aux semaines.";
    for s in [Scorer::Tmkit, Scorer::Omegat, Scorer::Chars] {
        c.bench_function(&format!("score/{s}"), |bench| {
            bench.iter(|| score(s, black_box(a), black_box(b)))
        });
    }
    let texts = sources(20_000);
    if texts.is_empty() {
        return;
    }
    let mut index = Index::new(Scorer::Tmkit);
    for (k, t) in texts.iter().enumerate() {
        index.add(k as u64, t);
    }
    index.build();
    let queries: Vec<&String> = texts.iter().step_by(997).take(20).collect();
    c.bench_function("search/20k/top5-min50", |bench| {
        bench.iter(|| {
            for q in &queries {
                black_box(index.search(q, 5, 50));
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
