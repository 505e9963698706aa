//! Criterion benches of the store: importing a batch of 10,000 generated
//! units (in memory and in sled), and streaming sources back.
//!
//! `cargo bench -p tmkit-store --bench store`. The import of the real
//! 1.65M-unit memory is `examples/import_bigtm.rs` (see
//! `docs/BENCHMARKS.md`).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tmkit_core::{Lang, Tu};
use tmkit_store::{ImportMeta, MemStore, SledStore, Store};

const UNITS: usize = 10_000;

fn units(lang_fr: &Lang, lang_en: &Lang) -> Vec<Tu> {
    (0..UNITS)
        .map(|i| {
            Tu::bilingual(
                lang_fr.clone(),
                format!("La motion numéro {i} porte sur les projets d'ajustement relatifs aux petites semaines.").as_str(),
                lang_en.clone(),
                format!("Motion {i} addresses the small weeks adjustment projects.").as_str(),
            )
        })
        .collect()
}

fn import(store: &dyn Store, tus: Vec<Tu>, fr: &Lang) {
    let id = store
        .begin_import(&ImportMeta::new("bench.tmx", fr.clone()))
        .unwrap();
    store.put_batch(id, tus).unwrap();
    store.commit_import(id).unwrap();
}

fn bench(c: &mut Criterion) {
    let (fr, en) = (Lang::parse("fr").unwrap(), Lang::parse("en").unwrap());
    let mut group = c.benchmark_group("import_10k");
    group.throughput(Throughput::Elements(UNITS as u64));
    group.sample_size(10);
    group.bench_function("mem", |b| {
        b.iter_batched(
            || (MemStore::new(), units(&fr, &en)),
            |(s, tus)| import(&s, tus, &fr),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("sled", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store = SledStore::open(dir.path()).unwrap();
                (dir, store, units(&fr, &en))
            },
            |(_dir, s, tus)| import(&s, tus, &fr),
            BatchSize::LargeInput,
        )
    });
    group.finish();

    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    import(&store, units(&fr, &en), &fr);
    let mut group = c.benchmark_group("sources_10k");
    group.throughput(Throughput::Elements(UNITS as u64));
    group.bench_function("sled", |b| {
        b.iter(|| store.sources(&fr, &en).unwrap().count())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
