//! Behaviour of the store around its edges: locking, format versions,
//! resume and abort, deletion by filter, provenance, and `check` finding
//! damage.

mod support;

use std::path::Path;

use tmkit_core::{Attr, Lang, Prop, Tu, TuId, Tuv};
use tmkit_store::{
    Error, Fault, Filter, ImportMeta, ImportState, MemStore, OnDuplicate, SledStore, Store,
    FORMAT_VERSION,
};

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

fn tu(src: &str, tgt: &str) -> Tu {
    Tu::bilingual(lang("en-US"), src, lang("fr-FR"), tgt)
}

fn import(store: &dyn Store, file: &str, tus: Vec<Tu>) -> u64 {
    let id = store
        .begin_import(&ImportMeta::new(file, lang("en")))
        .unwrap();
    store.put_batch(id, tus).unwrap();
    store.commit_import(id).unwrap();
    id
}

#[test]
fn second_open_says_which_process_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SledStore::open(dir.path()).unwrap();
    let err = SledStore::open(dir.path())
        .err()
        .expect("a second open must fail, not wait");
    match &err {
        Error::Locked { pid, path } => {
            assert_eq!(*pid, Some(std::process::id()));
            assert_eq!(path, dir.path());
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains(&format!("locked by process {}", std::process::id())),
        "{err}"
    );
}

#[test]
fn lock_is_released_on_drop() {
    let dir = tempfile::tempdir().unwrap();
    drop(SledStore::open(dir.path()).unwrap());
    assert!(!dir.path().join("tmkit.lock").exists());
    SledStore::open(dir.path()).unwrap();
}

#[test]
fn another_format_version_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    drop(SledStore::open(dir.path()).unwrap());
    {
        let db = support::raw(dir.path());
        db.open_tree("meta")
            .unwrap()
            .insert("format_version", &(FORMAT_VERSION + 1).to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let err = SledStore::open(dir.path()).err().unwrap();
    assert!(
        matches!(err, Error::FormatVersion { found, expected, .. } if found == FORMAT_VERSION + 1 && expected == FORMAT_VERSION)
    );
    let msg = err.to_string();
    assert!(
        msg.contains("tmkit export") && msg.contains("import"),
        "{msg}"
    );
}

#[test]
fn a_foreign_sled_database_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.open_tree("tm").unwrap().insert("x", "y").unwrap();
        db.flush().unwrap();
    }
    assert!(matches!(
        SledStore::open(dir.path()),
        Err(Error::NotAStore { .. })
    ));
}

#[test]
fn resume_continues_the_open_import_and_abort_removes_it() {
    for store in stores() {
        let store = store.as_ref();
        let kept = import(store, "old.tmx", vec![tu("Keep me", "Garde-moi")]);
        let id = store
            .begin_import(&ImportMeta::new("big.tmx", lang("en")))
            .unwrap();
        store
            .put_batch(id, vec![tu("One", "Un"), tu("Two", "Deux")])
            .unwrap();
        store.put_batch(id, vec![tu("Three", "Trois")]).unwrap();
        let resume = store.resume_point("big.tmx").unwrap().unwrap();
        assert_eq!((resume.id, resume.consumed, resume.batches), (id, 3, 2));
        assert!(
            store.resume_point("old.tmx").unwrap().is_none(),
            "committed imports do not resume"
        );
        assert_eq!(store.abort_import(id).unwrap(), 3);
        assert_eq!(store.stats().unwrap().units, 1);
        assert!(store.resume_point("big.tmx").unwrap().is_none());
        let imports = store.imports().unwrap();
        assert_eq!(
            imports.iter().map(|i| i.state).collect::<Vec<_>>(),
            [ImportState::Committed, ImportState::Aborted]
        );
        assert_eq!(imports[0].id, kept);
        assert!(matches!(
            store.put_batch(id, vec![]),
            Err(Error::ImportClosed { .. })
        ));
        assert!(matches!(
            store.put_batch(99, vec![]),
            Err(Error::UnknownImport { id: 99 })
        ));
        assert!(store.check().unwrap().is_empty());
    }
}

fn stores() -> Vec<Box<dyn Store>> {
    let dir = Box::leak(Box::new(tempfile::tempdir().unwrap()));
    vec![
        Box::new(MemStore::new()),
        Box::new(SledStore::open(dir.path()).unwrap()),
    ]
}

#[test]
fn records_carry_provenance_and_history() {
    for store in stores() {
        let store = store.as_ref();
        let mut first = tu("Save", "Enregistrer");
        first.set_attr("usagecount", "4");
        let a = import(store, "a.tmx", vec![first]);
        let mut again = tu("Save", "Enregistrer");
        again.set_attr("usagecount", "2");
        again.props.push(Prop::new("x-project", "gimp"));
        import(store, "b.tmx", vec![again]);
        let rec = store.get(TuId(0)).unwrap().unwrap();
        assert_eq!((rec.batch, rec.file.as_str(), rec.usage), (a, "a.tmx", 6));
        assert_eq!(rec.src, lang("en-US"));
        assert_eq!(
            rec.tu.attr("usagecount"),
            Some("2"),
            "newest attribute wins"
        );
        assert_eq!(rec.tu.prop("x-project"), Some("gimp"));
        assert!(rec.changed >= rec.created && rec.created > 1_600_000_000);
        assert!(store.touch(TuId(0)).unwrap());
        assert!(!store.touch(TuId(5)).unwrap());
        assert_eq!(store.get(TuId(0)).unwrap().unwrap().usage, 7);
    }
}

#[test]
fn units_without_a_source_variant_are_rejected_and_reported() {
    let store = MemStore::new();
    let id = store
        .begin_import(&ImportMeta::new("x.tmx", lang("de")))
        .unwrap();
    let mut de = tu("Hello", "Bonjour");
    de.variants.push(Tuv::new(lang("de-DE"), "Hallo"));
    let report = store
        .put_batch(id, vec![tu("Hello", "Bonjour"), de])
        .unwrap();
    assert_eq!(report.added, 1);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].0, 0);
    assert!(
        report.rejected[0].1.contains("de"),
        "{}",
        report.rejected[0].1
    );
    let info = store.commit_import(id).unwrap();
    assert_eq!((info.added, info.rejected, info.consumed), (1, 1, 2));
    // The German variant is the source: the unit counts in de→en and de→fr.
    let mut pairs: Vec<_> = store
        .stats()
        .unwrap()
        .pairs
        .into_iter()
        .map(|((s, t), n)| format!("{s}>{t}={n}"))
        .collect();
    pairs.sort();
    assert_eq!(pairs, ["de-DE>en-US=1", "de-DE>fr-FR=1"]);
}

#[test]
fn delete_by_filter() {
    for store in stores() {
        let store = store.as_ref();
        let a = import(store, "a.tmx", vec![tu("A1", "a1"), tu("A2", "a2")]);
        let mut tagged = tu("B1", "b1");
        tagged.props.push(Prop {
            kind: None,
            attrs: vec![Attr::new("name", "x-client")],
            value: "acme".into(),
        });
        let mut german = tu("B2", "b2");
        german.variants.push(Tuv::new(lang("de"), "B2 de"));
        import(store, "b.tmx", vec![tagged, german, tu("B3", "b3")]);
        assert!(matches!(
            store.delete(&Filter::default()),
            Err(Error::EmptyFilter)
        ));
        let by_prop = Filter {
            prop: Some(("x-client".into(), "acme".into())),
            ..Filter::default()
        };
        assert_eq!(store.delete(&by_prop).unwrap(), 1);
        assert_eq!(
            store
                .delete(&Filter {
                    lang: Some(lang("de")),
                    ..Filter::default()
                })
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .delete(&Filter {
                    import: Some(a),
                    ..Filter::default()
                })
                .unwrap(),
            2
        );
        let future = Filter {
            since: Some(u64::MAX - 1),
            ..Filter::default()
        };
        assert_eq!(store.delete(&future).unwrap(), 0);
        let left: Vec<_> = store
            .records(&Filter::default())
            .unwrap()
            .map(|r| r.unwrap().tu.variants[0].seg.plain_text())
            .collect();
        assert_eq!(left, ["B3"]);
        assert_eq!(
            store
                .delete(&Filter {
                    until: Some(u64::MAX),
                    ..Filter::default()
                })
                .unwrap(),
            1
        );
        let stats = store.stats().unwrap();
        assert_eq!((stats.units, stats.pairs.len()), (0, 0));
        assert!(store.check().unwrap().is_empty());
    }
}

#[test]
fn lookups_run_while_another_thread_imports() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    import(&store, "seed.tmx", vec![tu("seed", "graine")]);
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let id = store
                .begin_import(&ImportMeta::new("w.tmx", lang("en")).policy(OnDuplicate::KeepBoth))
                .unwrap();
            for b in 0..20 {
                let tus = (0..100).map(|i| tu(&format!("w{b}-{i}"), "x")).collect();
                store.put_batch(id, tus).unwrap();
            }
            store.commit_import(id).unwrap();
        });
        let mut last = 0;
        while !writer.is_finished() {
            // Batches are atomic for readers too: always a whole number of them.
            let n = store.sources(&lang("en"), &lang("fr")).unwrap().count();
            assert_eq!((n - 1) % 100, 0, "a reader saw part of a batch: {n}");
            assert!(n >= last);
            last = n;
            assert!(store.get(TuId(0)).unwrap().is_some());
        }
    });
    assert_eq!(store.stats().unwrap().units, 2001);
}

/// Damages a closed store with sled directly, then checks that `check`
/// reports the damage.
fn damage(path: &Path, f: impl FnOnce(&sled::Tree)) {
    let db = support::raw(path);
    f(&db.open_tree("tm").unwrap());
    db.flush().unwrap();
}

#[test]
fn check_finds_dangling_and_missing_entries_and_bad_counts() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        import(
            &store,
            "a.tmx",
            (0..100)
                .map(|i| tu(&format!("s{i}"), &format!("t{i}")))
                .collect(),
        );
        assert!(store.check().unwrap().is_empty());
    }
    // Drop the French language blocks: every unit misses its entry.
    damage(dir.path(), |tm| {
        let keys: Vec<_> = tm
            .scan_prefix(b"lfr-FR\0")
            .keys()
            .map(Result::unwrap)
            .collect();
        assert!(!keys.is_empty());
        for k in keys {
            tm.remove(k).unwrap();
        }
    });
    {
        let store = SledStore::open(dir.path()).unwrap();
        let faults = store.check().unwrap();
        let missing = faults
            .iter()
            .filter(|f| {
                matches!(
                    f,
                    Fault::MissingIndex {
                        index: "language",
                        ..
                    }
                )
            })
            .count();
        assert_eq!(missing, 100, "{faults:?}");
    }
    // Drop the unit blocks: the English entries dangle, the counts are off.
    damage(dir.path(), |tm| {
        let keys: Vec<_> = tm.scan_prefix(b"u").keys().map(Result::unwrap).collect();
        for k in keys {
            tm.remove(k).unwrap();
        }
    });
    let store = SledStore::open(dir.path()).unwrap();
    let faults = store.check().unwrap();
    let dangling = faults
        .iter()
        .filter(|f| matches!(f, Fault::DanglingIndex { .. }))
        .count();
    assert_eq!(dangling, 100, "{faults:?}");
    assert!(faults.iter().any(|f| matches!(
        f,
        Fault::Count {
            stored: 100,
            counted: 0,
            ..
        }
    )));
    assert!(faults.iter().all(|f| !f.to_string().is_empty()));
}

#[test]
fn garbage_in_a_block_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        import(&store, "a.tmx", vec![tu("s", "t")]);
    }
    damage(dir.path(), |tm| {
        tm.insert(b"u\0\0\0\0\0\0\0\0", &[0, 200, 1, 2][..])
            .unwrap();
    });
    let store = SledStore::open(dir.path()).unwrap();
    assert!(matches!(store.get(TuId(0)), Err(Error::Corrupt { .. })));
    assert!(store
        .check()
        .unwrap()
        .iter()
        .any(|f| matches!(f, Fault::Undecodable { .. })));
}

#[test]
fn check_finds_an_entry_for_a_language_the_unit_lacks() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        import(&store, "a.tmx", vec![tu("s0", "t0"), tu("s1", "t1")]);
    }
    // A German block naming unit 1, which has no German variant.
    damage(dir.path(), |tm| {
        let mut key = b"lde\0".to_vec();
        key.extend_from_slice(&1u64.to_be_bytes());
        tm.insert(key, &[0, 1, b'x'][..]).unwrap();
    });
    let store = SledStore::open(dir.path()).unwrap();
    let faults = store.check().unwrap();
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert!(
        matches!(&faults[0], Fault::DanglingIndex { id: TuId(1), detail, .. } if detail.contains("no variant")),
        "{faults:?}"
    );
}
