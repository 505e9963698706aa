//! Model-based test: random sequences of put / delete / touch / flush /
//! reopen against a `BTreeMap`, on both stores.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tmkit_core::{Lang, Prop, Tu, TuId};
use tmkit_store::{Filter, ImportMeta, MemStore, OnDuplicate, SledStore, Store};

#[derive(Clone, Debug)]
enum Op {
    /// A batch of (source word, target word, third variant?) units.
    Put(Vec<(u8, u8, bool)>),
    /// Delete the n-th live unit (modulo their number).
    Delete(usize),
    /// Delete every unit of the n-th import.
    DeleteImport(usize),
    Touch(usize),
    Flush,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::collection::vec((0u8..6, 0u8..6, any::<bool>()), 0..12).prop_map(Op::Put),
        2 => any::<usize>().prop_map(Op::Delete),
        1 => any::<usize>().prop_map(Op::DeleteImport),
        1 => any::<usize>().prop_map(Op::Touch),
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

/// Runs `ops` on a store made and remade by `reopen`, checking it against
/// the model after every step.
fn run<S: Store>(mut store: S, reopen: impl Fn(S) -> S, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut model: BTreeMap<u64, Model> = BTreeMap::new();
    let mut next_id = 0u64;
    let mut imports = vec![];
    for op in ops {
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
