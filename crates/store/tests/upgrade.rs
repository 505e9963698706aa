//! The store of format version 1 kept in `testdata/v1-store/`, read by this
//! tmkit-store: every unit as its definition (`tests/fixture/v1.rs`) says.

use std::path::Path;

use tmkit_core::{Lang, TuId};
use tmkit_store::{Filter, SledStore, Store};

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
fn the_v1_fixture_holds_what_its_readme_says() {
    let dir = fixture_copy();
    let store = SledStore::open_existing(dir.path()).unwrap();
    assert_holds_the_fixture(&store);
}
