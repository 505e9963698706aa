//! Model-based test: random sequences of put / delete / touch / dedupe /
//! abort / forget / flush / reopen against a `BTreeMap`, on both stores,
//! and the change log against the records before and after every step.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use tmkit_core::{Lang, Prop, Tu, TuId};
use tmkit_store::{Error, Filter, ImportMeta, MemStore, OnDuplicate, Record, SledStore, Store};

#[derive(Clone, Debug)]
enum Op {
    /// A batch of (source word, target word, third variant?) units.
    Put(Vec<(u8, u8, bool)>),
    /// The same under the `merge` policy: a unit whose twin (same source,
    /// same targets) is stored merges into the oldest twin, which stays as
    /// it was here but for its `changed` time; duplicate candidates are
    /// loaded and left as they were.
    PutMerge(Vec<(u8, u8, bool)>),
    /// Delete the n-th live unit (modulo their number).
    Delete(usize),
    /// Delete every unit of the n-th import.
    DeleteImport(usize),
    Touch(usize),
    /// Apply merge, skip or overwrite (by the number modulo 3) to the
    /// units stored so far.
    Dedupe(usize),
    /// A batch stored by an import that is then aborted: its units come
    /// and go, their ids are used up.
    Abort(Vec<(u8, u8, bool)>),
    /// Forget the change log through the sequence number of the n-th step
    /// so far (modulo their number; one past the last forgets beyond the
    /// last entry).
    Forget(usize),
    Flush,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    let units = || prop::collection::vec((0u8..6, 0u8..6, any::<bool>()), 0..12);
    prop_oneof![
        4 => units().prop_map(Op::Put),
        2 => units().prop_map(Op::PutMerge),
        2 => any::<usize>().prop_map(Op::Delete),
        1 => any::<usize>().prop_map(Op::DeleteImport),
        1 => any::<usize>().prop_map(Op::Touch),
        1 => any::<usize>().prop_map(Op::Dedupe),
        1 => units().prop_map(Op::Abort),
        1 => any::<usize>().prop_map(Op::Forget),
        1 => Just(Op::Flush),
        1 => Just(Op::Reopen),
    ]
}

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

fn unit(src: u8, tgt: u8, third: bool) -> Tu {
    let mut tu = Tu::bilingual(
        lang("en"),
        format!("source {src}").as_str(),
        lang("fr-FR"),
        format!("cible {tgt}").as_str(),
    );
    if third {
        tu.variants.push(tmkit_core::Tuv::new(
            lang("de"),
            format!("Quelle {src}").as_str(),
        ));
    }
    tu.props.push(Prop::new("x-n", src.to_string()));
    tu
}

/// What the model knows of a unit: its content, import and usage.
#[derive(Clone, Debug, PartialEq)]
struct Model {
    tu: Tu,
    import: u64,
    usage: u64,
}

/// What the store held after a step, for the change log.
struct Step {
    /// The store's sequence number after the step.
    seq: u64,
    /// Every record after the step.
    records: BTreeMap<u64, Record>,
    /// The ids the step changed: whose record differs from the step
    /// before, plus those of units added and removed within the step (an
    /// aborted batch), which the log names though they end as they began.
    changed: BTreeSet<u64>,
}

/// Applies `policy` to the model as `Store::dedupe` does: units of the same
/// source are a group; skip keeps the oldest of a group, overwrite the
/// newest; merge folds each unit into the oldest one with the same targets
/// (same source and targets here means the same unit), adding up usage.
fn dedupe_model(model: &mut BTreeMap<u64, Model>, policy: OnDuplicate) {
    let mut groups: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (id, m) in model.iter() {
        groups
            .entry(m.tu.variants[0].seg.plain_text())
            .or_default()
            .push(*id);
    }
    for ids in groups.into_values().filter(|g| g.len() > 1) {
        match policy {
            OnDuplicate::Skip | OnDuplicate::Overwrite => {
                let keep = match policy {
                    OnDuplicate::Skip => ids[0],
                    _ => ids[ids.len() - 1],
                };
                for id in ids.into_iter().filter(|&id| id != keep) {
                    model.remove(&id);
                }
            }
            _ => {
                let mut kept: Vec<u64> = vec![];
                for id in ids {
                    let twin = kept.iter().copied().find(|k| model[k].tu == model[&id].tu);
                    match twin {
                        Some(k) => {
                            let usage = model.remove(&id).unwrap().usage;
                            model.get_mut(&k).unwrap().usage += usage;
                        }
                        None => kept.push(id),
                    }
                }
            }
        }
    }
}

/// Checks the change log after `steps` (the last is the present): for every
/// earlier step, the ids of `changes(its seq)` are exactly those its later
/// steps changed, entries come in order with ascending ids and reach the
/// present `seq`; below what was forgotten, `changes` is an error.
fn check_log<S: Store>(store: &S, steps: &[Step], forgotten: u64) -> Result<(), TestCaseError> {
    let now = steps.last().unwrap().seq;
    for (i, step) in steps.iter().enumerate() {
        let log = store.changes(step.seq);
        if step.seq < forgotten {
            let is_forgotten = matches!(
                &log,
                Err(Error::ChangesForgotten { after, forgotten: f, .. })
                    if *after == step.seq && *f == forgotten
            );
            prop_assert!(is_forgotten, "changes({}) below {forgotten}", step.seq);
            continue;
        }
        let mut union = BTreeSet::new();
        let mut last = step.seq;
        for entry in log.unwrap() {
            let (seq, ids) = entry.unwrap();
            prop_assert!(seq > last, "entry {seq} after {last}");
            last = seq;
            prop_assert!(!ids.is_empty(), "entry {seq} names no unit");
            prop_assert!(ids.windows(2).all(|w| w[0] < w[1]), "entry {seq}: {ids:?}");
            union.extend(ids.into_iter().map(|id| id.0));
        }
        prop_assert_eq!(last, now);
        let want: BTreeSet<u64> = steps[i + 1..]
            .iter()
            .flat_map(|s| s.changed.iter().copied())
            .collect();
        prop_assert_eq!(union, want, "changes({})", step.seq);
    }
    Ok(())
}

/// Runs `ops` on a store made and remade by `reopen`, checking it against
/// the model after every step.
fn run<S: Store>(mut store: S, reopen: impl Fn(S) -> S, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut model: BTreeMap<u64, Model> = BTreeMap::new();
    let mut next_id = 0u64;
    let mut imports = vec![];
    let mut steps = vec![Step {
        seq: store.seq().unwrap(),
        records: BTreeMap::new(),
        changed: BTreeSet::new(),
    }];
    let mut forgotten = 0;
    for op in ops {
        // Units added and removed within this step.
        let mut transient = BTreeSet::new();
        match op {
            Op::Put(units) => {
                let meta = ImportMeta::new("model.tmx", lang("en")).policy(OnDuplicate::KeepBoth);
                let import = store.begin_import(&meta).unwrap();
                imports.push(import);
                let tus: Vec<Tu> = units.iter().map(|&(s, t, d)| unit(s, t, d)).collect();
                let report = store.put_batch(import, tus.clone()).unwrap();
                prop_assert_eq!(report.added, tus.len() as u64);
                store.commit_import(import).unwrap();
                for tu in tus {
                    model.insert(
                        next_id,
                        Model {
                            tu,
                            import,
                            usage: 0,
                        },
                    );
                    next_id += 1;
                }
            }
            Op::PutMerge(units) => {
                let import = store
                    .begin_import(&ImportMeta::new("merged.tmx", lang("en")))
                    .unwrap();
                imports.push(import);
                let tus: Vec<Tu> = units.iter().map(|&(s, t, d)| unit(s, t, d)).collect();
                let report = store.put_batch(import, tus.clone()).unwrap();
                store.commit_import(import).unwrap();
                let mut added = 0;
                for tu in tus {
                    if !model.values().any(|m| m.tu == tu) {
                        model.insert(
                            next_id,
                            Model {
                                tu,
                                import,
                                usage: 0,
                            },
                        );
                        next_id += 1;
                        added += 1;
                    }
                }
                prop_assert_eq!(
                    (report.added, report.merged),
                    (added, units.len() as u64 - added)
                );
            }
            Op::Delete(n) if !model.is_empty() => {
                let id = *model.keys().nth(n % model.len()).unwrap();
                let removed = store
                    .delete(&Filter {
                        ids: vec![TuId(id)],
                        ..Filter::default()
                    })
                    .unwrap();
                prop_assert_eq!(removed, 1);
                model.remove(&id);
            }
            Op::DeleteImport(n) if !imports.is_empty() => {
                let import = imports[n % imports.len()];
                let removed = store
                    .delete(&Filter {
                        import: Some(import),
                        ..Filter::default()
                    })
                    .unwrap();
                let before = model.len();
                model.retain(|_, m| m.import != import);
                prop_assert_eq!(removed as usize, before - model.len());
            }
            Op::Touch(n) if !model.is_empty() => {
                let id = *model.keys().nth(n % model.len()).unwrap();
                prop_assert!(store.touch(TuId(id)).unwrap());
                model.get_mut(&id).unwrap().usage += 1;
            }
            Op::Dedupe(n) => {
                let policy = [
                    OnDuplicate::Merge,
                    OnDuplicate::Skip,
                    OnDuplicate::Overwrite,
                ][n % 3];
                let before = model.len();
                let report = store.dedupe(policy).unwrap();
                dedupe_model(&mut model, policy);
                prop_assert_eq!(
                    report.merged + report.removed,
                    (before - model.len()) as u64
                );
            }
            Op::Abort(units) => {
                let meta = ImportMeta::new("aborted.tmx", lang("en")).policy(OnDuplicate::KeepBoth);
                let import = store.begin_import(&meta).unwrap();
                let tus: Vec<Tu> = units.iter().map(|&(s, t, d)| unit(s, t, d)).collect();
                store.put_batch(import, tus).unwrap();
                prop_assert_eq!(store.abort_import(import).unwrap(), units.len() as u64);
                transient.extend(next_id..next_id + units.len() as u64);
                next_id += units.len() as u64;
            }
            Op::Forget(n) => {
                let seq = store.seq().unwrap();
                let through = steps.get(n % (steps.len() + 1)).map_or(seq + 3, |s| s.seq);
                store.forget_changes(through).unwrap();
                forgotten = forgotten.max(through.min(seq));
            }
            Op::Flush => store.flush().unwrap(),
            Op::Reopen => store = reopen(store),
            _ => {}
        }
        // Every unit of the model, and nothing else, is stored as it was.
        let stored: Vec<_> = store
            .records(&Filter::default())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        prop_assert_eq!(stored.len(), model.len());
        for rec in &stored {
            let m = model.get(&rec.id.0);
            prop_assert!(m.is_some(), "unit {} is not in the model", rec.id);
            let m = m.unwrap();
            prop_assert_eq!(&rec.tu, &m.tu);
            prop_assert_eq!(rec.batch, m.import);
            prop_assert_eq!(rec.usage, m.usage);
            let got = store.get(rec.id).unwrap();
            prop_assert_eq!(got.as_ref(), Some(rec));
        }
        // `get_many` is `get` one by one, over stored, deleted and unborn
        // ids given in any order.
        let mut ids: Vec<TuId> = (0..next_id + 2).rev().map(TuId).collect();
        ids.push(TuId(0));
        let one_by_one: Vec<Record> = (0..next_id + 2)
            .filter_map(|id| store.get(TuId(id)).unwrap())
            .collect();
        prop_assert_eq!(store.get_many(&ids).unwrap(), one_by_one);
        // The change log: what this step changed, then every earlier
        // step's view of it.
        let records: BTreeMap<u64, Record> = stored.iter().map(|r| (r.id.0, r.clone())).collect();
        let last = steps.last().unwrap();
        let mut changed = transient;
        for id in records.keys().chain(last.records.keys()) {
            if records.get(id) != last.records.get(id) {
                changed.insert(*id);
            }
        }
        let seq = store.seq().unwrap();
        prop_assert!(seq >= last.seq, "seq went back from {} to {seq}", last.seq);
        prop_assert_eq!(
            seq == last.seq,
            changed.is_empty(),
            "a step that changed {:?} took seq from {} to {}",
            &changed,
            last.seq,
            seq
        );
        steps.push(Step {
            seq,
            records,
            changed,
        });
        check_log(&store, &steps, forgotten)?;
        let stats = store.stats().unwrap();
        prop_assert_eq!(stats.units, model.len() as u64);
        let want_de = model.values().filter(|m| m.tu.variants.len() == 3).count() as u64;
        let de = stats
            .pairs
            .iter()
            .find(|((_, t), _)| t.as_str() == "de")
            .map_or(0, |p| p.1);
        prop_assert_eq!(de, want_de);
        // Pair access agrees with the model, both ways round.
        let sources: Vec<_> = store
            .sources(&lang("fr"), &lang("en"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let want: Vec<_> = model
            .iter()
            .map(|(id, m)| (TuId(*id), m.tu.variants[1].seg.plain_text()))
            .collect();
        prop_assert_eq!(sources, want);
        let with_de: Vec<_> = store
            .units(&lang("de"), &lang("en-US"))
            .unwrap()
            .map(|r| r.unwrap().id.0)
            .collect();
        let want_de: Vec<_> = model
            .iter()
            .filter(|(_, m)| m.tu.variants.len() == 3)
            .map(|(id, _)| *id)
            .collect();
        prop_assert_eq!(with_de, want_de);
    }
    let faults = store.check().unwrap();
    prop_assert!(faults.is_empty(), "{faults:?}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn mem_store_follows_the_model(ops in prop::collection::vec(op(), 1..25)) {
        run(MemStore::new(), |s| s.reopen().unwrap(), &ops)?;
    }

    #[test]
    fn sled_store_follows_the_model(ops in prop::collection::vec(op(), 1..25)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let store = SledStore::open(&path).unwrap();
        run(store, |s| { drop(s); SledStore::open(&path).unwrap() }, &ops)?;
    }
}

/// Many units, so that blocks fill, split across batches and are edited.
#[test]
fn big_batches_keep_blocks_consistent() {
    for store in [Box::new(MemStore::new()) as Box<dyn Store>] {
        let import = store
            .begin_import(&ImportMeta::new("big", lang("en")).policy(OnDuplicate::KeepBoth))
            .unwrap();
        for b in 0..3u32 {
            let tus = (0..150)
                .map(|i| unit((i % 7) as u8, (b % 5) as u8, i % 3 == 0))
                .collect();
            store.put_batch(import, tus).unwrap();
        }
        store.commit_import(import).unwrap();
        let gone = store
            .delete(&Filter {
                ids: (0..450).step_by(4).map(TuId).collect(),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(gone, 113);
        assert_eq!(store.stats().unwrap().units, 450 - 113);
        assert_eq!(
            store.sources(&lang("en"), &lang("fr")).unwrap().count(),
            450 - 113
        );
        assert!(store.get(TuId(4)).unwrap().is_none());
        assert_eq!(store.get(TuId(5)).unwrap().unwrap().id, TuId(5));
        assert!(store.check().unwrap().is_empty());
    }
}
