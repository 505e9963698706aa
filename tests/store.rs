//! The store as a user meets it: which paths are stores, resuming an
//! interrupted import, damage, and several processes at once. Background
//! runs are followed by the events they print with `TMKIT_LOG=debug` (the
//! store held, each batch on disk), never by sleeping.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, Command},
    sync::mpsc::{Receiver, RecvTimeoutError},
    time::{Duration, Instant},
};

use crate::util::{Dir, TM};

/// Starts `tmkit ARGS` in `dir` with the debug events on ([`Dir::spawn`]);
/// its stderr lines come through the receiver.
pub(crate) fn start(dir: &Dir, args: &[&str]) -> (Child, Receiver<String>) {
    let mut child = dir.spawn(args);
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// The first stderr line of a background run that `want` accepts; the lines
/// before it are returned too. The minute is a safety net for a run that
/// never says it, not a way to wait.
#[track_caller]
pub(crate) fn wait_for(
    lines: &Receiver<String>,
    what: &str,
    want: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = vec![];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if want(&line) => return line,
            Ok(line) => seen.push(line),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                panic!("never saw {what}; stderr was:\n{}", seen.join("\n"))
            }
        }
    }
}

/// The units a `units on disk` event reports.
pub(crate) fn units_on_disk(line: &str) -> Option<u64> {
    let (before, _) = line.split_once(" units on disk")?;
    before.rsplit(' ').next()?.parse().ok()
}

/// 60,000 TSV lines, six batches.
fn big_tsv(dir: &Dir) {
    let lines: String = (0..60_000)
        .map(|i| format!("Phrase numéro {i} du test.\tTest sentence number {i}.\n"))
        .collect();
    dir.write("big.tsv", lines);
}

/// Imports `big.tsv` and kills the import (SIGKILL) as soon as it says that
/// at least 20,000 units are on disk; returns how many it said.
fn killed_import(dir: &Dir, args: &[&str]) -> u64 {
    let (mut child, lines) = start(dir, args);
    let line = wait_for(&lines, "two batches on disk", |l| {
        units_on_disk(l).is_some_and(|n| n >= 20_000)
    });
    let _ = child.kill();
    let _ = child.wait();
    units_on_disk(&line).unwrap()
}

const KEEP_BOTH: [&str; 4] = ["import", "big.tsv", "--on-duplicate", "keep-both"];

#[test]
fn an_import_killed_midway_resumes_without_losing_or_doubling_units() {
    let dir = Dir::new();
    big_tsv(&dir);
    let args = [&KEEP_BOTH[..], &TM].concat();
    let stored = killed_import(&dir, &args);
    dir.tmkit(&["check", "--db", "tm"]).ok();
    // The killed import is shown for what it is.
    let stats = dir.tmkit(&["stats", "--db", "tm"]).ok().stdout;
    assert!(stats.contains("big.tsv (interrupted"), "{stats}");
    assert!(stats.contains("--resume"), "{stats}");
    let stats = dir.tmkit(&["stats", "--db", "tm", "--json"]).ok().json();
    assert_eq!(stats["imports"][0]["state"], "interrupted", "{stats}");
    // Resumed under another spelling of the same file.
    let mut resume = args.clone();
    resume[1] = "./big.tsv";
    let run = dir
        .tmkit(&[&resume[..], &["--resume", "--json"]].concat())
        .ok();
    let summary = run.json();
    assert_eq!(summary["tus"], 60_000, "{summary}");
    let after = summary["resumed_after"].as_u64().expect("it resumed");
    assert!(
        after >= stored && after < 60_000,
        "resumed after {after} units, {stored} were said to be on disk"
    );
    // keep-both would store a unit read twice twice: the count proves that
    // the resumed import stored each line exactly once.
    assert_eq!(dir.units("tm"), 60_000, "{summary}");
    dir.tmkit(&["check", "--db", "tm"]).ok();
    let stats = dir.tmkit(&["stats", "--db", "tm", "--json"]).ok().json();
    assert_eq!(stats["imports"][0]["state"], "committed", "{stats}");
}

#[test]
fn issue11_resume_after_a_committed_import_imports_nothing() {
    let dir = Dir::new();
    dir.write("pairs.tsv", "Bonjour.\tHello.\nMerci.\tThanks.\n");
    let args = [
        &["import", "pairs.tsv", "--on-duplicate", "keep-both"][..],
        &TM,
    ]
    .concat();
    dir.tmkit(&args).ok();
    let run = dir.tmkit(&[&args[..], &["--resume"]].concat()).ok();
    run.expect_stderr(&["nothing to resume: pairs.tsv was fully imported (import #0)"]);
    assert_eq!(dir.units("tm"), 2);
    // --resume on a file never imported imports it.
    dir.write("more.tsv", "Oui.\tYes.\n");
    dir.tm(&["import", "more.tsv", "--resume"]).ok();
    assert_eq!(dir.units("tm"), 3);
}

#[test]
fn issue11_a_file_changed_since_it_was_interrupted_is_not_resumed() {
    let dir = Dir::new();
    big_tsv(&dir);
    let args = [&KEEP_BOTH[..], &TM].concat();
    killed_import(&dir, &args);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path("big.tsv"))
        .unwrap();
    file.write_all(b"Une de plus.\tOne more.\n").unwrap();
    drop(file);
    let run = dir
        .tmkit(&[&args[..], &["--resume"]].concat())
        .expect_code(2);
    run.expect_stderr(&["big.tsv: cannot resume import #0", "changed"]);
    // Imported again without --resume, the interrupted import goes first.
    let run = dir.tmkit(&args).ok();
    run.expect_stderr(&["import #0 of this file was interrupted"]);
    assert_eq!(dir.units("tm"), 60_001);
    dir.tmkit(&["check", "--db", "tm"]).ok();
}

#[test]
fn issue11_a_db_that_is_not_a_store_is_refused_and_left_alone() {
    let dir = Dir::new();
    dir.write("pairs.tsv", "Bonjour.\tHello.\n");
    // sled keeps its data in a file called `db`.
    std::fs::create_dir(dir.path("notes")).unwrap();
    dir.write("notes/db", "my notes\n");
    let run = dir
        .tmkit(&[
            "import",
            "pairs.tsv",
            "--db",
            "notes",
            "--src-lang",
            "fr",
            "--tgt-lang",
            "en",
        ])
        .expect_code(2);
    run.expect_stderr(&["notes is not a tmkit store"]);
    assert_eq!(
        std::fs::read_to_string(dir.path("notes/db")).unwrap(),
        "my notes\n"
    );
    assert_eq!(std::fs::read_dir(dir.path("notes")).unwrap().count(), 1);
    // Commands that read never create a store: a typo is an error naming it.
    dir.write("memo.txt", "text");
    for db in ["tpyo", "memo.txt"] {
        for cmd in [
            &["stats"][..],
            &["check"],
            &["lookup", "--src-lang", "fr", "--tgt-lang", "en", "Bonjour."],
            &["export", "--src-lang", "fr", "--tgt-lang", "en"],
            &[
                "concordance",
                "--src-lang",
                "fr",
                "--tgt-lang",
                "en",
                "Bonjour",
            ],
        ] {
            let run = dir.tmkit(&[cmd, &["--db", db]].concat()).expect_code(2);
            assert!(
                run.stderr.contains(&format!("no tmkit store at {db}"))
                    && run.stderr.contains("tmkit import"),
                "{cmd:?} --db {db}: {}",
                run.stderr
            );
        }
    }
    assert!(!dir.path("tpyo").exists());
    // An I/O error names its path and what was done.
    let run = dir.tmkit(&["stats", "--db", "memo.txt/tm"]).expect_code(2);
    run.expect_stderr(&["memo.txt/tm: cannot look at the store directory"]);
}

#[test]
fn issue11_a_damaged_store_names_itself_and_salvage_saves_its_units() {
    let dir = Dir::new();
    let lines: String = (0..3000)
        .map(|i| format!("Phrase numéro {i} du test.\tTest sentence number {i}.\n"))
        .collect();
    dir.write("pairs.tsv", lines);
    dir.tm(&["import", "pairs.tsv"]).ok();
    // A sound store is saved whole, and the saved file imports again.
    let run = dir
        .tmkit(&["check", "--db", "tm", "--salvage", "saved.tmx", "--json"])
        .ok();
    assert_eq!(run.json()["units"], 3000, "{}", run.stdout);
    dir.tmkit(&["import", "saved.tmx", "--db", "again"]).ok();
    assert_eq!(dir.units("again"), 3000);
    // Flipped bytes in copies of sled's file: whatever sled makes of them,
    // no command panics, no command shows fewer units as if nothing had
    // happened, every error names the store, and salvage saves what is left.
    let db = std::fs::read(dir.path("tm/db")).unwrap();
    let mut noticed = 0;
    for k in 0..8 {
        let name = format!("copy{k}");
        std::fs::create_dir(dir.path(&name)).unwrap();
        for file in ["conf", "tmkit.mark"] {
            std::fs::copy(
                dir.path(&format!("tm/{file}")),
                dir.path(&format!("{name}/{file}")),
            )
            .unwrap();
        }
        let mut bytes = db.clone();
        let at = bytes.len() * k / 8 + 17;
        bytes[at] ^= 0xff;
        std::fs::write(dir.path(&format!("{name}/db")), bytes).unwrap();
        let stats = dir.tmkit(&["stats", "--db", &name, "--json"]);
        match stats.code {
            0 => assert_eq!(stats.json()["units"], 3000, "byte {at}"),
            2 => {
                noticed += 1;
                assert!(
                    stats.stderr.contains(&format!("store {name} is damaged"))
                        && stats.stderr.contains("--salvage"),
                    "byte {at}: {}",
                    stats.stderr
                );
            }
            code => panic!("byte {at}: exit {code}: {}", stats.stderr),
        }
        let saved = format!("saved{k}.tmx");
        let run = dir.tmkit(&["check", "--db", &name, "--salvage", &saved, "--json"]);
        assert!(run.code == 0 || run.code == 2, "byte {at}: {}", run.stderr);
        let units = run.json()["units"].as_u64().unwrap();
        let again = format!("again{k}");
        dir.tmkit(&["import", &saved, "--db", &again]).ok();
        assert_eq!(dir.units(&again), units, "byte {at}");
    }
    assert!(noticed > 0, "no damage noticed in 8 flipped bytes");
}

/// Starts an import that holds the store (and its writer lock) until the
/// test writes to the named pipe it reads; returns it with its events.
fn holding_import(dir: &Dir) -> (Child, Receiver<String>) {
    let fifo = dir.path("slow.tsv");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let (child, lines) = start(dir, &[&["import", "slow.tsv"][..], &TM].concat());
    wait_for(&lines, "the import holding the store", |l| {
        l.contains("holds the store")
    });
    (child, lines)
}

#[test]
fn issue11_readers_of_the_store_wait_their_turn_and_lookups_do_not_wait_at_all() {
    let dir = Dir::new();
    dir.tsv_store("Bonjour le monde.\tHello world.\n");
    let (mut import, _) = holding_import(&dir);
    // Two lookups started together while another process has the store:
    // they read the match index, not the store, and answer at once.
    let lookup = [&["lookup", "--json", "Bonjour le monde."][..], &TM].concat();
    for _ in 0..2 {
        let out = dir.tmkit(&lookup);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stderr.contains("waiting"), "{}", out.stderr);
        assert_eq!(out.json()["matches"][0]["score"], 100, "{}", out.stdout);
    }
    // Two readers of the store itself wait their turn.
    let stats = ["stats", "--json", "--db", "tm"];
    let readers: Vec<_> = (0..2).map(|_| start(&dir, &stats)).collect();
    for (_, lines) in &readers {
        wait_for(lines, "the reader waiting", |l| {
            l.contains("waiting for process") && l.contains("to close the store")
        });
    }
    // The import reads its line and ends; both readers then answer.
    std::fs::write(dir.path("slow.tsv"), "Il pleut.\tIt rains.\n").unwrap();
    assert!(import.wait().unwrap().success());
    for (child, _) in readers {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(answer["units"], 2, "{answer}");
    }
    assert_eq!(dir.units("tm"), 2);
}

#[test]
fn lookups_work_while_an_import_runs_and_a_second_writer_is_refused() {
    let dir = Dir::new();
    let n = 120_000;
    let lines: String = (0..n)
        .map(|i| format!("Le rapport numéro {i} a été publié hier.\tReport number {i} was published yesterday.\n"))
        .collect();
    dir.write("big.tsv", lines);
    dir.write("other.tsv", "Bonjour.\tHello.\n");
    let (import, events) = start(&dir, &[&["import", "big.tsv"][..], &TM].concat());
    wait_for(&events, "a first batch on disk", |l| {
        units_on_disk(l).is_some()
    });
    // A second writer is told at once who holds the store.
    let other = dir.tm(&["import", "other.tsv"]).expect_code(2);
    other.expect_stderr(&["locked by process"]);
    // A lookup gets its answer while the import goes on.
    let hit = dir
        .tm(&["lookup", "--json", "Le rapport numéro 7 a été publié hier."])
        .ok();
    assert_eq!(hit.json()["matches"][0]["score"], 100, "{}", hit.stdout);
    let during = dir.units("tm");
    let out = import.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        during < n,
        "the import had ended before the lookup ({during} units)"
    );
    assert_eq!(dir.units("tm"), n);
    dir.tmkit(&["check", "--db", "tm"]).ok();
}

#[test]
fn issue11_a_read_only_store_names_itself_and_says_what_to_do() {
    // Permission bits do not stop root: the store is read by `nobody`
    // (setpriv), and the test says it is skipped where that cannot be done.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n");
    let setpriv = Command::new("setpriv").arg("--help").output().is_ok();
    if !(root.unwrap_or(false) && setpriv) {
        eprintln!("skipped: needs root and setpriv to run tmkit as another user");
        return;
    }
    let dir = Dir::new();
    dir.tsv_store("Bonjour.\tHello.\n");
    let open_up = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(dir.tmp.path())
        .status()
        .unwrap();
    assert!(open_up.success());
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_tmkit"))
        .args(["stats", "--db"])
        .arg(dir.path("tm"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "store {}: cannot open the database",
            dir.path("tm").display()
        )) && stderr.contains("must be writable, even to read"),
        "{stderr}"
    );
}
