//! The match index against a model: after random sequences of writes,
//! reopenings and crashes, on both stores, every lookup equals a full scan
//! of the store's units, and `verify` finds nothing.

use proptest::prelude::*;
use tmkit_core::{Lang, Prop, Tu, TuId};
use tmkit_fuzzy::{IndexBuilder, Scorer};
use tmkit_store::{Filter, ImportMeta, MemStore, OnDuplicate, SledStore, Store};

use super::*;
use crate::lookup::Memory;

/// Small segments, so that a few dozen units make several and merge.
const CAP: usize = 5;

const WORDS: [&str; 8] = [
    "le",
    "fichier",
    "est",
    "introuvable",
    "ouvrir",
    "impossible",
    "réseau",
    "3",
];

fn fr() -> Lang {
    Lang::parse("fr-FR").unwrap()
}

fn en() -> Lang {
    Lang::parse("en-GB").unwrap()
}

fn sentence(words: &[usize]) -> String {
    let mut s: Vec<&str> = words.iter().map(|&w| WORDS[w % WORDS.len()]).collect();
    s.push(".");
    s.join(" ")
}

fn unit(words: &[usize], target: u8, confidence: Option<u8>) -> Tu {
    let mut tu = Tu::bilingual(
        fr(),
        sentence(words).as_str(),
        en(),
        format!("target {target}").as_str(),
    );
    if let Some(c) = confidence {
        tu.props.push(Prop::new(
            crate::align::CONFIDENCE_PROP,
            format!("0.{:02}", c % 100),
        ));
    }
    tu
}

#[derive(Clone, Debug)]
enum Op {
    /// A batch of units imported with a policy (0..4), then committed or
    /// aborted.
    Import(Vec<(Vec<usize>, u8, Option<u8>)>, u8, bool),
    /// Deletes the units whose id is a multiple of this, and larger.
    Delete(u64),
    Dedupe(u8),
    /// The index is written out.
    Flush,
    /// The index is dropped after writing out what it has (a reopening).
    Reopen,
    /// The index is dropped with what is pending: a crash after the store
    /// write, before the index wrote it.
    Crash,
    /// A lookup with another scorer builds its set.
    Build(u8),
}

fn policy(p: u8) -> OnDuplicate {
    [
        OnDuplicate::Merge,
        OnDuplicate::KeepBoth,
        OnDuplicate::Overwrite,
        OnDuplicate::Skip,
    ][p as usize % 4]
}

fn scorer(s: u8) -> Scorer {
    [Scorer::Tmkit, Scorer::Omegat, Scorer::Chars][s as usize % 3]
}

fn op() -> impl Strategy<Value = Op> {
    let words = prop::collection::vec(0usize..8, 1..6);
    let tu = (words, 0u8..4, prop::option::weighted(0.2, 0u8..100));
    prop_oneof![
        4 => (prop::collection::vec(tu, 1..9), 0u8..4, prop::bool::weighted(0.85))
            .prop_map(|(u, p, c)| Op::Import(u, p, c)),
        1 => (2u64..5).prop_map(Op::Delete),
        1 => (0u8..4).prop_map(Op::Dedupe),
        1 => Just(Op::Flush),
        1 => Just(Op::Reopen),
        1 => Just(Op::Crash),
        1 => (1u8..3).prop_map(Op::Build),
    ]
}

/// A full scan of the store's units, as an in-memory index of the pair's
/// sources answers by brute force: the reference.
fn reference(store: &dyn Store, scorer: Scorer, query: &str) -> Vec<(u64, u8)> {
    let min = if scorer == Scorer::Chars { 100 } else { 50 };
    let mut index = IndexBuilder::new()
        .scorer(scorer)
        .min_indexed(min)
        .build()
        .unwrap();
    for rec in store.units(&fr(), &en()).unwrap() {
        let rec = rec.unwrap();
        index.add(rec.id.0, &rec.tu.variant(&fr()).unwrap().seg.plain_text());
    }
    index.build();
    index
        .brute_force(query, 10, 50)
        .into_iter()
        .map(|h| (h.key, h.score))
        .collect()
}

fn looked_up(state: &IndexState, scorer: Scorer, query: &str) -> Option<Vec<(u64, u8)>> {
    let sets = state.snapshot().sets_for(&fr(), &en(), scorer).ok()?;
    let memory = Memory::new(sets, &fr(), &en());
    let fast = memory.hits(query, 10, 50, false).unwrap();
    let brute = memory.hits(query, 10, 50, true).unwrap();
    assert_eq!(fast, brute, "index and scan of the segments differ");
    Some(fast.into_iter().map(|h| (h.key, h.score)).collect())
}

fn apply(store: &dyn Store, state: &mut Option<IndexState>, dir: &Path, op: &Op) {
    let index = state.get_or_insert_with(|| IndexState::open_with(dir, store, CAP).unwrap());
    index.mark().unwrap();
    match op {
        Op::Import(units, p, commit) => {
            let meta = ImportMeta::new("model.tmx", fr()).policy(policy(*p));
            let id = store.begin_import(&meta).unwrap();
            let tus = units.iter().map(|(w, t, c)| unit(w, *t, *c)).collect();
            store.put_batch(id, tus).unwrap();
            if *commit {
                store.commit_import(id).unwrap();
            } else {
                store.abort_import(id).unwrap();
            }
            index.catch_up(store, false).unwrap();
        }
        Op::Delete(m) => {
            let ids: Vec<TuId> = store
                .records(&Filter::default())
                .unwrap()
                .map(|r| r.unwrap().id)
                .filter(|id| id.0 % m == 0)
                .collect();
            if !ids.is_empty() {
                let filter = Filter {
                    ids,
                    ..Filter::default()
                };
                store.delete(&filter).unwrap();
            }
            index.catch_up(store, true).unwrap();
        }
        Op::Dedupe(p) => {
            store.dedupe(policy(*p)).unwrap();
            index.catch_up(store, true).unwrap();
        }
        Op::Flush => index.catch_up(store, true).unwrap(),
        Op::Reopen => {
            index.catch_up(store, true).unwrap();
            *state = None;
        }
        Op::Crash => *state = None,
        Op::Build(s) => {
            index.catch_up(store, true).unwrap();
            if let Err(missing) = index.snapshot().sets_for(&fr(), &en(), scorer(*s)) {
                index.build_sets(store, &missing).unwrap();
            }
        }
    }
}

fn run(store: &dyn Store, dir: &Path, ops: &[Op]) -> std::result::Result<(), TestCaseError> {
    let mut state = None;
    let queries: Vec<String> = [
        vec![0, 1, 2, 3],
        vec![4, 1, 5],
        vec![6, 7],
        vec![0, 1, 2, 6],
    ]
    .iter()
    .map(|w| sentence(w))
    .collect();
    for op in ops {
        apply(store, &mut state, dir, op);
        let index = state.get_or_insert_with(|| IndexState::open_with(dir, store, CAP).unwrap());
        index.catch_up(store, true).unwrap();
        for s in [Scorer::Tmkit, Scorer::Omegat, Scorer::Chars] {
            for q in &queries {
                if let Some(got) = looked_up(index, s, q) {
                    prop_assert_eq!(got, reference(store, s, q), "{:?} {} after {:?}", s, q, op);
                }
            }
        }
        let faults = index.verify(store).unwrap();
        prop_assert!(faults.is_empty(), "after {:?}: {:?}", op, faults);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn lookups_equal_a_scan_of_the_store_in_memory(ops in prop::collection::vec(op(), 1..14)) {
        let dir = tempfile::tempdir().unwrap();
        let store = MemStore::new();
        run(&store, dir.path(), &ops)?;
    }

    #[test]
    fn lookups_equal_a_scan_of_the_store_on_disk(ops in prop::collection::vec(op(), 1..10)) {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("tm")).unwrap();
        run(&store, &dir.path().join("tm"), &ops)?;
    }
}

#[test]
fn segments_merge_and_deletions_go_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemStore::new();
    let mut index = IndexState::open_with(dir.path(), &store, CAP).unwrap();
    for i in 0..12u8 {
        let meta = ImportMeta::new("one.tmx", fr()).policy(OnDuplicate::KeepBoth);
        let id = store.begin_import(&meta).unwrap();
        store
            .put_batch(id, vec![unit(&[i as usize, 1, 2], i, None)])
            .unwrap();
        store.commit_import(id).unwrap();
        index.catch_up(&store, true).unwrap();
    }
    let set = &index.snapshot().sets[0];
    // Twelve one-unit writes: merged as they came, never more than a few
    // segments, none above the cap.
    assert!(set.segments.len() <= 4, "{} segments", set.segments.len());
    assert!(set.segments.iter().all(|s| s.len() <= CAP));
    assert_eq!(set.live, 12);
    let filter = Filter {
        ids: (0..12).filter(|i| i % 2 == 0).map(TuId).collect(),
        ..Filter::default()
    };
    store.delete(&filter).unwrap();
    index.catch_up(&store, true).unwrap();
    assert_eq!(index.snapshot().sets[0].live, 6);
    assert!(index.verify(&store).unwrap().is_empty());
    // Reopened from disk: the same.
    drop(index);
    let index = IndexState::open_with(dir.path(), &store, CAP).unwrap();
    assert_eq!(index.snapshot().sets[0].live, 6);
    assert!(index.verify(&store).unwrap().is_empty());
}
