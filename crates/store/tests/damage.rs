//! Damaged stores: whatever a flipped byte does to sled's file, tmkit
//! names the store and says what to do, never panics, never opens an older
//! state as if it were the store; `check` reports the damage, and
//! `salvage` saves every unit that can still be read.

mod support;

use std::path::Path;

use tmkit_core::{Lang, Tu};
use tmkit_store::{Error, Fault, ImportMeta, SledStore, Store};

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

/// A closed store of `imports` × 2,000 units, each import committed.
fn build(path: &Path, imports: u64) {
    let store = SledStore::open(path).unwrap();
    for b in 0..imports {
        let id = store
            .begin_import(&ImportMeta::new(format!("part{b}.tmx"), lang("en")))
            .unwrap();
        let tus = (0..2000)
            .map(|i| {
                Tu::bilingual(
                    lang("en"),
                    format!("Sentence {i} of part {b}, long enough to fill a page.").as_str(),
                    lang("fr"),
                    format!("Phrase {i} de la partie {b}.").as_str(),
                )
            })
            .collect();
        store.put_batch(id, tus).unwrap();
        store.commit_import(id).unwrap();
    }
}

#[test]
fn a_flipped_byte_in_sleds_file_never_panics_and_every_error_names_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    build(&good, 5);
    drop(SledStore::open_existing(&good).unwrap());
    let len = std::fs::metadata(good.join("db")).unwrap().len();
    let mut damaged = 0;
    for k in 0..24u64 {
        let copy = dir.path().join(format!("copy{k}"));
        std::fs::create_dir(&copy).unwrap();
        for f in ["conf", "db", "tmkit.mark"] {
            std::fs::copy(good.join(f), copy.join(f)).unwrap();
        }
        let mut bytes = std::fs::read(copy.join("db")).unwrap();
        let at = (len * k / 24 + 17) as usize;
        bytes[at] ^= 0xff;
        std::fs::write(copy.join("db"), bytes).unwrap();
        let named = |e: &Error| {
            let msg = e.to_string();
            assert!(
                msg.contains(&copy.display().to_string()) && msg.contains("tmkit"),
                "byte {at}: an error without the store or advice: {msg}"
            );
        };
        let store = match SledStore::open_existing(&copy) {
            Ok(store) => store,
            Err(e) => {
                assert!(
                    matches!(e, Error::Damaged { .. } | Error::RolledBack { .. }),
                    "byte {at}: {e:?}"
                );
                named(&e);
                damaged += 1;
                continue;
            }
        };
        // sled drops what follows a damaged message in its log and opens
        // the store as it was before: never as if nothing had happened.
        if let Ok(stats) = store.stats() {
            assert_eq!(stats.units, 10_000, "byte {at}: units lost silently");
        }
        match store.check() {
            Ok(faults) if faults.is_empty() => {}
            Ok(_) => damaged += 1,
            Err(e) => named(&e),
        }
        match store.salvage(&mut |_| Ok(())) {
            Ok(saved) => assert!(saved.units <= 10_000, "byte {at}: {saved:?}"),
            Err(e) => named(&e),
        }
    }
    // sled ignores damage in old parts of its log; some of the 24 bytes
    // must still be noticed.
    assert!(damaged > 0, "no damage noticed in 24 flipped bytes");
}

#[test]
fn salvage_saves_every_unit_around_an_unreadable_block_and_check_says_so() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), 1);
    {
        let db = support::raw(dir.path());
        // The block of units 64 to 127 becomes garbage.
        let mut key = vec![b'u'];
        key.extend_from_slice(&64u64.to_be_bytes());
        let tm = db.open_tree("tm").unwrap();
        assert!(tm.get(&key).unwrap().is_some());
        tm.insert(key, vec![0xff; 40]).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open_existing(dir.path()).unwrap();
    let faults = store.check().unwrap();
    assert!(
        faults
            .iter()
            .any(|f| matches!(f, Fault::Undecodable { id, .. } if id.0 == 64)),
        "{faults:?}"
    );
    let mut ids = vec![];
    let saved = store
        .salvage(&mut |r| {
            ids.push(r.id.0);
            Ok(())
        })
        .unwrap();
    assert_eq!(saved.units, 2000 - 64);
    assert_eq!(ids.len(), 2000 - 64);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(!ids.contains(&64) && ids.contains(&63) && ids.contains(&128));
    assert_eq!(saved.lost.len(), 1, "{:?}", saved.lost);
    assert!(saved.lost[0].contains("unit 64"), "{:?}", saved.lost);
}

#[test]
fn salvage_of_a_sound_store_gives_every_unit() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), 2);
    let store = SledStore::open_existing(dir.path()).unwrap();
    let mut n = 0;
    let saved = store
        .salvage(&mut |r| {
            assert_eq!(r.id.0, n);
            n += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!((saved.units, n), (4000, 4000));
    assert!(saved.lost.is_empty());
}

#[test]
fn a_store_sled_rolled_back_is_refused_and_what_it_holds_can_be_salvaged() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), 2);
    drop(SledStore::open_existing(dir.path()).unwrap());
    // What an older state looks like to tmkit: the last flush recorded
    // more than sled holds.
    let mark = std::fs::read_to_string(dir.path().join("tmkit.mark")).unwrap();
    assert!(mark.contains("c/next_id 4000"), "{mark}");
    std::fs::write(
        dir.path().join("tmkit.mark"),
        mark.replace("c/next_id 4000", "c/next_id 6000"),
    )
    .unwrap();
    let err = SledStore::open_existing(dir.path()).err().expect("refused");
    assert!(
        matches!(
            err,
            Error::RolledBack {
                found: 4000,
                flushed: 6000,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&dir.path().display().to_string()) && msg.contains("--salvage"),
        "{msg}"
    );
    let store = SledStore::open_recovered(dir.path()).unwrap();
    assert_eq!(store.salvage(&mut |_| Ok(())).unwrap().units, 4000);
}

#[test]
fn salvage_of_the_files_finds_every_unit_without_sled() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), 2);
    drop(SledStore::open_existing(dir.path()).unwrap());
    let mut sources = std::collections::BTreeSet::new();
    let saved = SledStore::salvage_files(dir.path(), &mut |r| {
        sources.insert(r.tu.variants[0].seg.plain_text());
        Ok(())
    })
    .unwrap();
    // Every unit, each once: the log may hold a unit twice, not differently.
    assert_eq!(sources.len(), 4000);
    assert!(saved.units >= 4000, "{saved:?}");
}
