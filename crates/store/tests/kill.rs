//! Kills an import with SIGKILL at random moments and checks that the store
//! opens, is sound, and holds exactly the batches reported committed, plus
//! at most the one in flight, whole, each with its change-log entry.
//!
//! The importing child is this test binary itself, run with
//! `TMKIT_KILL_CHILD=<store dir>` on the `kill_child` test, which imports
//! generated units (resuming when the store holds an open import) and
//! prints `committed K` after each batch is flushed.
//!
//! The default run kills 3 times; the 20-kill run is
//! `cargo test --release -p tmkit-store --test kill -- --ignored --nocapture`.

use std::{
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tmkit_core::{Lang, Tu, TuId};
use tmkit_store::{ImportMeta, ImportState, SledStore, Store};

const FILE: &str = "generated.tmx";

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

fn source(i: u64) -> String {
    format!("Source sentence number {i}, long enough to look like a real one.")
}

fn target(i: u64) -> String {
    format!("Phrase cible numéro {i}, assez longue pour ressembler à une vraie.")
}

/// The child: imports `TMKIT_KILL_TOTAL` units in batches of
/// `TMKIT_KILL_BATCH`, resuming a killed import.
#[test]
fn kill_child() {
    let Ok(dir) = std::env::var("TMKIT_KILL_CHILD") else {
        return;
    };
    let total: u64 = std::env::var("TMKIT_KILL_TOTAL").unwrap().parse().unwrap();
    let batch: u64 = std::env::var("TMKIT_KILL_BATCH").unwrap().parse().unwrap();
    let store = SledStore::open(Path::new(&dir)).unwrap();
    let (import, mut done) = match store.resume_point(FILE).unwrap() {
        Some(info) => (info.id, info.consumed),
        None => (
            store
                .begin_import(&ImportMeta::new(FILE, lang("en")))
                .unwrap(),
            0,
        ),
    };
    let mut out = std::io::stdout().lock();
    while done < total {
        let end = (done + batch).min(total);
        let tus = (done..end)
            .map(|i| {
                Tu::bilingual(
                    lang("en"),
                    source(i).as_str(),
                    lang("fr"),
                    target(i).as_str(),
                )
            })
            .collect();
        store.put_batch(import, tus).unwrap();
        store.flush().unwrap();
        done = end;
        writeln!(out, "committed {done}").unwrap();
        out.flush().unwrap();
    }
    store.commit_import(import).unwrap();
    writeln!(out, "finished {done}").unwrap();
}

/// A small xorshift generator: the test needs random delays, not quality.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Runs the child until it finishes or `kill_after` passes; returns the last
/// committed count it reported and whether it finished.
fn run_child(dir: &Path, total: u64, batch: u64, kill_after: Option<Duration>) -> (u64, bool) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "kill_child", "--nocapture", "--test-threads=1"])
        .env("TMKIT_KILL_CHILD", dir)
        .env("TMKIT_KILL_TOTAL", total.to_string())
        .env("TMKIT_KILL_BATCH", batch.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reported = Arc::new(Mutex::new((0u64, false)));
    let stdout = child.stdout.take().unwrap();
    let seen = Arc::clone(&reported);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("committed ") {
                seen.lock().unwrap().0 = n.trim().parse().unwrap();
            } else if line.starts_with("finished ") {
                seen.lock().unwrap().1 = true;
            }
        }
    });
    if let Some(delay) = kill_after {
        let start = Instant::now();
        while start.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // SIGKILL on Unix: no destructor, no flush.
        let _ = child.kill();
    }
    child.wait().unwrap();
    reader.join().unwrap();
    let r = *reported.lock().unwrap();
    r
}

/// Reopens the store and checks it against what the child reported.
fn verify(dir: &Path, reported: u64, batch: u64, total: u64) -> u64 {
    let store = SledStore::open(dir).unwrap();
    let faults = store.check().unwrap();
    assert!(faults.is_empty(), "store unsound after kill: {faults:?}");
    let units = store.stats().unwrap().units;
    assert!(
        units == reported || units == (reported + batch).min(total),
        "reported {reported} committed, store holds {units}"
    );
    let import = store.imports().unwrap().pop();
    if let Some(info) = import {
        assert_eq!(
            info.consumed, units,
            "import progress disagrees with the units"
        );
    }
    // Exactly the first `units` generated units, in order, each whole.
    let mut n = 0;
    for rec in store.units(&lang("en"), &lang("fr")).unwrap() {
        let rec = rec.unwrap();
        assert_eq!(rec.id, TuId(n));
        assert_eq!(rec.tu.variants[0].seg.plain_text(), source(n));
        assert_eq!(rec.tu.variants[1].seg.plain_text(), target(n));
        n += 1;
    }
    assert_eq!(n, units);
    // The change log names exactly the stored batches' units: one entry per
    // batch, in order, none for a batch the kill dropped.
    let log: Vec<(u64, Vec<TuId>)> = store.changes(0).unwrap().map(Result::unwrap).collect();
    assert_eq!(store.seq().unwrap(), log.len() as u64);
    let mut next = 0;
    for (i, (seq, ids)) in log.iter().enumerate() {
        assert_eq!(*seq, i as u64 + 1);
        let want: Vec<TuId> = (next..(next + batch).min(units)).map(TuId).collect();
        assert_eq!(ids, &want, "change-log entry {seq}");
        next += batch;
    }
    assert!(
        next >= units && next < units + batch,
        "the log names {next} units, the store holds {units}"
    );
    units
}

fn kill_many(kills: usize, total: u64, batch: u64, max_delay_ms: u64) {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill test seed {seed}");
    let mut rng = Rng(seed);
    let mut stored = 0;
    let mut done = false;
    for k in 0..kills {
        let delay = Duration::from_millis(20 + rng.below(max_delay_ms));
        let (reported, finished) = run_child(dir.path(), total, batch, Some(delay));
        assert!(
            reported >= stored || reported == 0,
            "kill {k}: progress went back"
        );
        stored = verify(dir.path(), reported.max(stored), batch, total);
        eprintln!("kill {k} after {delay:?}: reported {reported}, stored {stored}");
        if finished {
            done = true;
            break;
        }
    }
    if !done {
        // Let the last run finish: resume brings the store to exactly `total`.
        let (reported, finished) = run_child(dir.path(), total, batch, None);
        assert!(finished, "the resumed import did not finish");
        assert_eq!(verify(dir.path(), reported.max(total), batch, total), total);
    }
    let store = SledStore::open(dir.path()).unwrap();
    let imports = store.imports().unwrap();
    assert_eq!(imports.len(), 1, "resume must continue the one import");
    assert_eq!(imports[0].state, ImportState::Committed);
}

#[test]
fn import_survives_three_kills() {
    if std::env::var("TMKIT_KILL_CHILD").is_ok() {
        return;
    }
    kill_many(3, 30_000, 1_000, 600);
}

#[test]
#[ignore = "a few minutes in debug; run with --release --ignored"]
fn import_survives_twenty_kills() {
    if std::env::var("TMKIT_KILL_CHILD").is_ok() {
        return;
    }
    kill_many(20, 2_000_000, 10_000, 2_000);
}
