//! What `SledStore` does with the path it is given: a store is opened, a
//! new or empty directory becomes one (unless the caller only reads), and
//! anything else is refused and left as it was. And how an import's file is
//! recognized again, whatever it is called.

use std::path::Path;

use tmkit_core::{Lang, Tu};
use tmkit_store::{Error, ImportMeta, ImportState, SledStore, SourceFile, Store};

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_unrelated_file_called_db_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    // sled keeps its data in a file called `db`: a directory that holds one
    // of the user's own must not become a store.
    std::fs::write(dir.path().join("db"), "my notes\n").unwrap();
    for open in [SledStore::open, SledStore::open_existing] {
        let err = open(dir.path()).err().expect("refused");
        let msg = err.to_string();
        assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
        assert!(msg.contains("`db`"), "{msg}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("db")).unwrap(),
        "my notes\n"
    );
    assert_eq!(listing(dir.path()), ["db"]);
}

#[test]
fn a_file_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tm");
    std::fs::write(&file, "text").unwrap();
    assert!(matches!(
        SledStore::open(&file),
        Err(Error::NotAStore { ref what, .. }) if what.contains("file")
    ));
    let err = SledStore::open_existing(&file).err().unwrap();
    assert!(matches!(err, Error::NoStore { .. }), "{err:?}");
    assert!(err.to_string().contains("it is a file"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "text");
}

#[test]
fn reading_a_missing_or_empty_store_is_an_error_that_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("tpyo");
    let err = SledStore::open_existing(&missing).err().unwrap();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("no tmkit store at {}", missing.display())),
        "{msg}"
    );
    assert!(msg.contains("tmkit import"), "{msg}");
    assert!(!missing.exists());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(matches!(
        SledStore::open_existing(&empty),
        Err(Error::NoStore { .. })
    ));
    assert!(listing(&empty).is_empty());
    // A directory of other files is not a store either.
    std::fs::write(empty.join("a.tmx"), "<tmx/>").unwrap();
    let err = SledStore::open_existing(&empty).err().unwrap();
    assert!(err.to_string().contains("`a.tmx`"), "{err}");
    assert_eq!(listing(&empty), ["a.tmx"]);
}

#[test]
fn a_store_is_created_where_there_is_nothing_and_then_opened_by_readers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/tm");
    drop(SledStore::open(&path).unwrap());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    drop(SledStore::open(&empty).unwrap());
    for p in [&path, &empty] {
        let store = SledStore::open_existing(p).unwrap();
        assert_eq!(store.stats().unwrap().units, 0);
    }
}

#[test]
fn the_last_import_of_a_file_is_found_by_its_identity_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pairs.tsv");
    std::fs::write(&file, "a\tb\n").unwrap();
    let source = SourceFile::of(&file).unwrap();
    // Spelled another way, it is the same file.
    let again = SourceFile::of(&dir.path().join(".").join("pairs.tsv")).unwrap();
    assert_eq!(source, again);
    assert_eq!(source.change(&again), None);
    let store_dir = dir.path().join("tm");
    {
        let store = SledStore::open(&store_dir).unwrap();
        let meta = ImportMeta::new("./pairs.tsv", lang("en")).source(source.clone());
        let id = store.begin_import(&meta).unwrap();
        store
            .put_batch(id, vec![Tu::bilingual(lang("en"), "a", lang("fr"), "b")])
            .unwrap();
        store.flush().unwrap();
    }
    let store = SledStore::open_existing(&store_dir).unwrap();
    let open = store.resume_point(&source.path).unwrap().unwrap();
    assert_eq!(open.meta.source.as_ref(), Some(&source));
    assert_eq!((open.consumed, open.meta.file.as_str()), (1, "./pairs.tsv"));
    // Not found by the name it was given: by its path.
    assert!(store.last_import("./pairs.tsv").unwrap().is_none());
    store.commit_import(open.id).unwrap();
    let last = store.last_import(&source.path).unwrap().unwrap();
    assert_eq!(last.state, ImportState::Committed);
    assert!(store.resume_point(&source.path).unwrap().is_none());
    // A changed file says how.
    std::fs::write(&file, "a\tb\nc\td\n").unwrap();
    let changed = SourceFile::of(&file).unwrap();
    assert!(source.change(&changed).unwrap().contains("size"));
}
