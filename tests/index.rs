//! The match index stored with the units, as a user meets it: several
//! lookups at once, a lookup during an import, a store of the previous
//! format upgraded, a killed import, deletions, and the index against the
//! full scan. Background runs are followed by the events they print with
//! `TMKIT_LOG=debug` (the store held, each batch on disk), never by
//! sleeping.

use std::path::Path;

use tmkit_core::{Lang, TuId};
use tmkit_engine::{Filter, Tm};

use crate::{
    store::{start, units_on_disk, wait_for},
    util::{Dir, Run, TM},
};

/// The units of the format-1 fixture store, defined once for the store's
/// own tests.
#[path = "../crates/store/tests/fixture/v1.rs"]
#[allow(dead_code)]
mod v1;

/// What `TMKIT_LOG=debug` prints when a process opens the store itself:
/// a lookup that reads only the index never says it.
const HOLDS: &str = "holds the store";

/// `n` TSV lines, French to English, each source unlike the others but by
/// its number.
fn numbered(n: u64) -> String {
    (0..n)
        .map(|i| {
            format!(
                "Le rapport numéro {i} a été publié hier.\tReport number {i} was published yesterday.\n"
            )
        })
        .collect()
}

/// Panics unless a lookup's stderr shows that it neither waited for the
/// store nor opened it.
#[track_caller]
fn read_the_index_alone(stderr: &str) {
    assert!(
        !stderr.contains("waiting") && !stderr.contains(HOLDS),
        "the lookup opened or waited for the store:\n{stderr}"
    );
}

#[test]
fn issue12_two_lookups_at_once_both_answer_without_waiting() {
    let dir = Dir::new();
    dir.tsv_store(&numbered(3000));
    let query = "Le rapport numéro 42 a été publié avant-hier.";
    let lookup = [&["lookup", "--top", "10", "--explain", query][..], &TM].concat();
    let once = dir.tmkit(&lookup).ok();
    assert!(once.stdout.contains("#42 "), "{}", once.stdout);
    // Both started before either is waited for.
    let children: Vec<_> = (0..2).map(|_| dir.spawn(&lookup)).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        read_the_index_alone(&stderr);
        assert_eq!(String::from_utf8_lossy(&out.stdout), once.stdout);
    }
}

#[test]
fn issue12_a_lookup_during_an_import_answers_without_waiting_for_it() {
    let dir = Dir::new();
    dir.tsv_store("Le chat dort sur le canapé.\tThe cat sleeps on the sofa.\n");
    let n = 60_000;
    dir.write("big.tsv", numbered(n));
    let (mut import, events) = start(&dir, &[&["import", "big.tsv"][..], &TM].concat());
    wait_for(&events, "a first batch on disk", |l| {
        units_on_disk(l).is_some()
    });
    // The units indexed before the import are found, from the index alone.
    let during = dir
        .tm(&["lookup", "--json", "Le chat dort sur le canapé."])
        .ok();
    read_the_index_alone(&during.stderr);
    assert_eq!(
        during.json()["matches"][0]["score"],
        100,
        "{}",
        during.stdout
    );
    assert!(
        import.try_wait().unwrap().is_none(),
        "the import ended before the lookup answered: the test proves nothing"
    );
    // A query among the units being imported answers too, found or not.
    let meanwhile = dir.tm(&["lookup", "Le rapport numéro 7 a été publié hier."]);
    assert!(
        meanwhile.code == 0 || meanwhile.code == 1,
        "{}",
        meanwhile.stderr
    );
    read_the_index_alone(&meanwhile.stderr);
    let out = import.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let after = dir
        .tm(&[
            "lookup",
            "--json",
            "Le rapport numéro 59999 a été publié hier.",
        ])
        .ok();
    assert_eq!(after.json()["matches"][0]["score"], 100, "{}", after.stdout);
    assert_eq!(
        after.json()["matches"][0]["target"],
        "Report number 59999 was published yesterday."
    );
    dir.tmkit(&["check", "--db", "tm"]).ok();
}

/// Copies the format-1 fixture store to `to`.
fn copy_v1_fixture(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/store/testdata/v1-store");
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A store of the current format holding what the fixture holds, made from
/// the fixture's definitions: the same imports in order, then the same
/// unit deleted, so that ids agree.
fn fresh_from_definitions(path: &Path) {
    let tm = Tm::create(path).unwrap();
    let src = Lang::parse(v1::SRC).unwrap();
    for (file, units) in v1::imports() {
        tm.add_units(file, &src, units).unwrap();
    }
    let deleted = tm
        .delete(&Filter {
            ids: vec![TuId(v1::DELETED)],
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(deleted, 1);
}

/// Lookups that reach every kind of unit of the fixture: near matches of
/// the numbered reports (the deleted one among them), the three-language
/// unit, inline markup, and aligned units with and without a penalty.
const FIXTURE_QUERIES: &str = "Le rapport numéro 5 a été publié ce matin.
Le rapport numéro 12 a été publié ce soir.
Le conseil se réunit demain matin.
Cliquez sur Enregistrer.
Poutine et Erdogan discutent de nouveau.
La situation reste très tendue.
";

/// `tmkit lookup` of the fixture's queries in the store `db`, from French
/// to `tgt`, with `scorer`.
fn fixture_lookups(dir: &Dir, db: &str, tgt: &str, scorer: &str) -> Run {
    let args = [
        "lookup",
        "--db",
        db,
        "--src-lang",
        "fr",
        "--tgt-lang",
        tgt,
        "--file",
        "queries.txt",
        "--top",
        "30",
        "--explain",
        "--scorer",
        scorer,
    ];
    let run = dir.tmkit(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

#[test]
fn issue12_a_store_of_format_1_is_upgraded_and_gives_the_same_matches() {
    let dir = Dir::new();
    copy_v1_fixture(&dir.path("v1"));
    fresh_from_definitions(&dir.path("fresh"));
    dir.write("queries.txt", FIXTURE_QUERIES);
    let first = fixture_lookups(&dir, "v1", "en", "tmkit");
    first.expect_stderr(&["upgraded the store", "from format version 1"]);
    let expected = fixture_lookups(&dir, "fresh", "en", "tmkit");
    assert_eq!(first.stdout, expected.stdout);
    // Unit 24's German side, the other scorers, and a second opening that
    // has nothing left to upgrade.
    for (tgt, scorer) in [("de", "tmkit"), ("en", "omegat"), ("en", "chars")] {
        let got = fixture_lookups(&dir, "v1", tgt, scorer);
        assert!(!got.stderr.contains("upgraded"), "{}", got.stderr);
        let expected = fixture_lookups(&dir, "fresh", tgt, scorer);
        assert_eq!(got.stdout, expected.stdout, "{tgt} {scorer}");
    }
    assert!(
        !first.stdout.contains("#5 "),
        "the deleted unit is found:\n{}",
        first.stdout
    );
    let check = dir.tmkit(&["check", "--db", "v1"]).ok();
    assert!(check.stdout.contains("v1: sound"), "{}", check.stdout);
}

#[test]
fn issue12_tmkit_upgrade_upgrades_a_store_of_format_1_once() {
    let dir = Dir::new();
    copy_v1_fixture(&dir.path("v1"));
    fresh_from_definitions(&dir.path("fresh"));
    dir.write("queries.txt", FIXTURE_QUERIES);
    let upgrade = ["upgrade", "--db", "v1", "--json"];
    let first = dir.tmkit(&upgrade).ok().json();
    assert_eq!(first["upgraded_from"], 1, "{first}");
    // Indexed in the import direction: 27 units from French to English,
    // and unit 24 from French to German too.
    assert_eq!(first["index"]["records"], 28, "{first}");
    assert_eq!(first["index"]["sets"], 2, "{first}");
    let again = dir.tmkit(&upgrade).ok().json();
    assert!(again["upgraded_from"].is_null(), "{again}");
    let got = fixture_lookups(&dir, "v1", "en", "tmkit");
    assert!(!got.stderr.contains("upgraded"), "{}", got.stderr);
    assert_eq!(
        got.stdout,
        fixture_lookups(&dir, "fresh", "en", "tmkit").stdout
    );
}

#[test]
fn issue12_after_kill_9_of_an_import_lookups_answer_and_the_store_is_sound() {
    let dir = Dir::new();
    dir.write("big.tsv", numbered(60_000));
    let (mut import, events) = start(&dir, &[&["import", "big.tsv"][..], &TM].concat());
    let line = wait_for(&events, "two batches on disk", |l| {
        units_on_disk(l).is_some_and(|n| n >= 20_000)
    });
    // SIGKILL: no destructor runs, the index is left marked stale.
    import.kill().unwrap();
    import.wait().unwrap();
    let stored = units_on_disk(&line).unwrap();
    let query = format!("Le rapport numéro {} a été publié hier.", stored - 1);
    let hit = dir.tm(&["lookup", "--json", &query]).ok();
    assert_eq!(hit.json()["matches"][0]["score"], 100, "{}", hit.stdout);
    let check = dir.tmkit(&["check", "--db", "tm"]).ok();
    assert!(check.stdout.contains("tm: sound"), "{}", check.stdout);
    let near = [
        "lookup",
        "--top",
        "20",
        "Le rapport numéro 1234 a été publié.",
    ];
    let indexed = dir.tm(&near).ok();
    let scanned = dir.tm(&[&near[..], &["--brute-force"]].concat()).ok();
    assert_eq!(indexed.stdout, scanned.stdout);
}

#[test]
fn issue12_deleted_and_deduplicated_units_are_no_longer_found() {
    let dir = Dir::new();
    dir.write(
        "pairs.tsv",
        "Le chat dort sur le canapé.\tThe cat sleeps on the sofa.\n\
         Le chien dort dans le jardin.\tThe dog sleeps in the garden.\n\
         Le chien dort dans le jardin.\tThe dog sleeps in the garden.\n",
    );
    dir.tm(&["import", "pairs.tsv", "--on-duplicate", "keep-both"])
        .ok();
    let ids = |query: &str| -> Vec<u64> {
        let run = dir.tm(&["lookup", "--json", query]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        run.json()["matches"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["score"] == 100)
            .map(|m| m["id"].as_u64().unwrap())
            .collect()
    };
    let cat = "Le chat dort sur le canapé.";
    let dog = "Le chien dort dans le jardin.";
    assert_eq!(ids(cat), [0]);
    assert_eq!(ids(dog), [1, 2]);
    dir.tmkit(&["delete", "--db", "tm", "--id", "0"]).ok();
    assert_eq!(ids(cat), Vec::<u64>::new());
    dir.tmkit(&["dedupe", "--db", "tm"]).ok();
    assert_eq!(ids(dog).len(), 1, "dedupe left both copies indexed");
    let check = dir.tmkit(&["check", "--db", "tm"]).ok();
    assert!(check.stdout.contains("tm: sound"), "{}", check.stdout);
}

#[test]
fn issue12_lookup_equals_brute_force_with_every_scorer() {
    let dir = Dir::new();
    dir.align_dispatch(&["--db", "tm"]).ok();
    dir.write("more.tsv", numbered(500));
    dir.tm(&["import", "more.tsv"]).ok();
    dir.write(
        "queries.txt",
        "Les responsables russes ont rejeté les accusations d’Erdogan.
Le président russe a exprimé sa préoccupation.
Le rapport numéro 77 a été publié avant-hier.
Le rapport a été publié hier.
Poutine et Erdogan discutent de la situation.
",
    );
    for scorer in ["tmkit", "omegat", "chars"] {
        let args = [
            "lookup",
            "--file",
            "queries.txt",
            "--top",
            "10",
            "--explain",
            "--scorer",
            scorer,
        ];
        let indexed = dir.tm(&args).ok();
        let scanned = dir.tm(&[&args[..], &["--brute-force"]].concat()).ok();
        assert_eq!(indexed.stdout, scanned.stdout, "scorer {scorer}");
        assert!(indexed.stdout.contains('%'), "{scorer}: {}", indexed.stdout);
    }
}
