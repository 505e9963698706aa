//! The store of format version 1 kept in `testdata/v1-store/`: refused by
//! `open` with the way to upgrade it, upgraded in place, then every unit as
//! its definition (`tests/fixture/v1.rs`) says, with an empty change log.

use std::path::Path;

use tmkit_core::{Lang, Tu, TuId};
use tmkit_store::{Error, Filter, ImportMeta, SledStore, Store, Upgrade, FORMAT_VERSION};

mod support;

#[path = "fixture/v1.rs"]
mod v1;

/// A copy of the fixture in a temporary directory: tests never write into
/// `testdata/`.
fn fixture_copy() -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/v1-store");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    dir
}

/// Checks that `store` holds exactly the units of the fixture's definition:
/// ids, variants (languages, texts, markup), props, source language, import
/// and file.
fn assert_holds_the_fixture(store: &dyn Store) {
    let src = Lang::parse(v1::SRC).unwrap();
    let mut want = vec![];
    let mut id = 0;
    for (import, (file, units)) in v1::imports().into_iter().enumerate() {
        for tu in units {
            if id != v1::DELETED {
                want.push((TuId(id), tu, import as u64, file));
            }
            id += 1;
        }
    }
    let got: Vec<_> = store
        .records(&Filter::default())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got.len(), want.len());
    for (rec, (id, tu, import, file)) in got.iter().zip(&want) {
        assert_eq!(rec.id, *id);
        assert_eq!(&rec.tu, tu, "unit {id}");
        assert_eq!(rec.src, src);
        assert_eq!(rec.batch, *import, "unit {id}");
        assert_eq!(rec.file, *file, "unit {id}");
        assert_eq!(rec.usage, 0);
        assert_eq!(store.get(*id).unwrap().as_ref(), Some(rec));
    }
    assert!(store.get(TuId(v1::DELETED)).unwrap().is_none());
    // The README's spot checks, against the data rather than the definition.
    let three = store.get(TuId(24)).unwrap().unwrap();
    let langs: Vec<_> = three.tu.variants.iter().map(|v| v.lang.as_str()).collect();
    assert_eq!(langs, ["fr-FR", "en-GB", "de-DE"]);
    assert!(store.get(TuId(25)).unwrap().unwrap().tu.variants[0]
        .seg
        .has_tags());
    let aligned = store.get(TuId(26)).unwrap().unwrap();
    assert_eq!(aligned.tu.prop("x-tmkit-align-confidence"), Some("0.42"));
    let stats = store.stats().unwrap();
    assert_eq!(stats.units, 27);
    assert_eq!(stats.imports.len(), 2);
    assert!(store.check().unwrap().is_empty());
}

#[test]
fn a_v1_store_is_refused_then_upgraded_in_place_with_every_unit_as_it_was() {
    let dir = fixture_copy();
    let path = dir.path();
    for open in [SledStore::open, SledStore::open_existing] {
        let err = open(path).err().expect("a v1 store is refused");
        assert!(
            matches!(
                err,
                Error::FormatVersion {
                    found: 1,
                    expected: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("written by an earlier tmkit"), "{msg}");
        assert!(
            msg.contains(&format!("`tmkit upgrade --db {}`", path.display())),
            "{msg}"
        );
    }
    assert_eq!(
        SledStore::upgrade(path).unwrap(),
        Upgrade::Upgraded { from: 1 }
    );
    let store = SledStore::open_existing(path).unwrap();
    assert_holds_the_fixture(&store);
    assert_eq!(store.seq().unwrap(), 0);
    assert_eq!(store.changes(0).unwrap().count(), 0);
    drop(store);
    // Twice is a no-op; the store then logs its writes from 1 on.
    assert_eq!(SledStore::upgrade(path).unwrap(), Upgrade::Current);
    let store = SledStore::open(path).unwrap();
    assert_holds_the_fixture(&store);
    let (fr, en) = (Lang::parse("fr-FR").unwrap(), Lang::parse("en-GB").unwrap());
    let import = store
        .begin_import(&ImportMeta::new("more.tmx", fr.clone()))
        .unwrap();
    store
        .put_batch(
            import,
            vec![Tu::bilingual(
                fr,
                "Encore une phrase.",
                en,
                "One more sentence.",
            )],
        )
        .unwrap();
    store.commit_import(import).unwrap();
    let log: Vec<_> = store.changes(0).unwrap().map(Result::unwrap).collect();
    assert_eq!(log, [(1, vec![TuId(28)])]);
}

#[test]
fn upgrade_refuses_what_it_cannot_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing");
    let err = SledStore::upgrade(&missing).unwrap_err();
    assert!(matches!(err, Error::NoStore { .. }), "{err:?}");
    assert!(!missing.exists(), "upgrade created {}", missing.display());
    std::fs::create_dir(&missing).unwrap();
    std::fs::write(missing.join("notes.txt"), "mine").unwrap();
    let err = SledStore::upgrade(&missing).unwrap_err();
    assert!(matches!(err, Error::NoStore { .. }), "{err:?}");
    // A store of a newer format is left as it is.
    let newer = dir.path().join("newer");
    drop(SledStore::open(&newer).unwrap());
    let db = support::raw(&newer);
    db.open_tree("meta")
        .unwrap()
        .insert("format_version", &(FORMAT_VERSION + 1).to_be_bytes())
        .unwrap();
    db.flush().unwrap();
    drop(db);
    let err = SledStore::upgrade(&newer).unwrap_err();
    assert!(
        matches!(err, Error::FormatVersion { found, .. } if found == FORMAT_VERSION + 1),
        "{err:?}"
    );
    assert!(err.to_string().contains("`tmkit export`"), "{err}");
    // A sled database of another program is not a store.
    let other = dir.path().join("other");
    let db = support::raw(&other);
    db.insert("key", "value").unwrap();
    db.flush().unwrap();
    drop(db);
    let err = SledStore::upgrade(&other).unwrap_err();
    assert!(matches!(err, Error::NotAStore { .. }), "{err:?}");
}
