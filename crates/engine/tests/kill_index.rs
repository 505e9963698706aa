//! Kills a process writing to a store through the engine with SIGKILL at
//! random moments, and checks after each kill that the match index and the
//! units agree: `Tm::check` finds no fault (every unit indexed once, nothing
//! indexed that is gone), and lookups through the stored index
//! (`Memory::open`) equal the full scan (`Memory::brute_force`) and an
//! in-memory `tmkit_fuzzy::Index` built from the store's units, the
//! reference that shares no code with the stored index but the scorer.
//!
//! The writing child is this test binary itself, run with
//! `TMKIT_KILL_INDEX_CHILD=<store dir>` on the `kill_index_child` test: it
//! adds generated units in batches (`Tm::add_units`, each batch committed,
//! so the index is written out, its segments merged, after each), deletes
//! some units every fourth step and dedupes every seventh, and prints
//! `committed K` after each step. The parent waits for a random number of
//! those lines, then kills it a random moment later, so that kills land in
//! the store's writes, the index's segment and manifest writes and merges.
//! Each kill's verification uses another scorer (tmkit, omegat, chars): a
//! lookup with a scorer the index lacks builds its set, which the next
//! child's writes must then keep in step too.
//!
//! The default run kills 3 times; the 20-kill run is
//! `cargo test --release -p tmkit-engine --test kill_index -- --ignored --nocapture`.

use std::{
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use tmkit_core::{Lang, Tu, TuId};
use tmkit_engine::{Filter, Memory, OnDuplicate, Scorer, Tm};
use tmkit_fuzzy::Index;
use tmkit_store::{SledStore, Store};

fn lang(s: &str) -> Lang {
    Lang::parse(s).unwrap()
}

/// A small xorshift generator: the test needs variety, not quality.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const WORDS: [&str; 40] = [
    "le",
    "conseil",
    "rapport",
    "a",
    "été",
    "publié",
    "ce",
    "matin",
    "par",
    "la",
    "commission",
    "sur",
    "les",
    "marchés",
    "financiers",
    "et",
    "des",
    "mesures",
    "prises",
    "hier",
    "pour",
    "réduire",
    "dépenses",
    "publiques",
    "dans",
    "région",
    "nord",
    "du",
    "pays",
    "selon",
    "ministre",
    "nouvelle",
    "loi",
    "entre",
    "vigueur",
    "janvier",
    "prochain",
    "après",
    "un",
    "vote",
];

/// A French-looking sentence of 6 to 13 words drawn from [`WORDS`]: many
/// units share most of their words, so lookups have near matches to rank.
fn sentence(rng: &mut Rng) -> String {
    let n = 6 + rng.below(8);
    let words: Vec<&str> = (0..n)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect();
    let mut s = words.join(" ");
    s.push('.');
    s
}

/// The child: writes to the store in `TMKIT_KILL_INDEX_CHILD` until killed
/// (or `TMKIT_KILL_INDEX_STEPS` steps are done), texts drawn from
/// `TMKIT_KILL_INDEX_SEED`.
#[test]
fn kill_index_child() {
    let Ok(dir) = std::env::var("TMKIT_KILL_INDEX_CHILD") else {
        return;
    };
    let var = |name: &str| -> u64 { std::env::var(name).unwrap().parse().unwrap() };
    let (seed, steps, batch) = (
        var("TMKIT_KILL_INDEX_SEED"),
        var("TMKIT_KILL_INDEX_STEPS"),
        var("TMKIT_KILL_INDEX_BATCH"),
    );
    let mut rng = Rng(seed | 1);
    let (fr, en) = (lang("fr"), lang("en"));
    let tm = Tm::create(Path::new(&dir)).unwrap();
    let mut out = std::io::stdout().lock();
    for step in 1..=steps {
        if step % 7 == 0 {
            tm.dedupe(OnDuplicate::Merge).unwrap();
        } else if step % 4 == 0 {
            // Ids drawn over twice the units: some exist, some do not.
            let units = tm.stats().unwrap().units.max(1);
            let ids = (0..batch / 10)
                .map(|_| TuId(rng.below(2 * units)))
                .collect();
            tm.delete(&Filter {
                ids,
                ..Filter::default()
            })
            .unwrap();
        } else {
            let tus = (0..batch)
                .map(|_| {
                    let source = sentence(&mut rng);
                    let target = format!("Target of {source}");
                    Tu::bilingual(fr.clone(), source.as_str(), en.clone(), target.as_str())
                })
                .collect();
            tm.add_units("generated", &fr, tus).unwrap();
        }
        writeln!(out, "committed {step}").unwrap();
        out.flush().unwrap();
    }
    writeln!(out, "finished").unwrap();
}

/// Runs the child until it has reported `steps` committed steps (an
/// event), then kills it (SIGKILL: no destructor, no flush) `delay` later,
/// the random moment. Returns the steps it reported.
fn run_child(dir: &Path, seed: u64, batch: u64, steps: u64, delay: Duration) -> u64 {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "kill_index_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TMKIT_KILL_INDEX_CHILD", dir)
        .env("TMKIT_KILL_INDEX_SEED", seed.to_string())
        .env("TMKIT_KILL_INDEX_STEPS", "1000000")
        .env("TMKIT_KILL_INDEX_BATCH", batch.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut last = 0;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("committed ") {
                last = n.trim().parse().unwrap();
                let _ = tx.send(last);
            }
        }
        last
    });
    // A minute is a safety net for a child that never reports, not a wait.
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(n) if n >= steps => break,
            Ok(_) => {}
            Err(e) => {
                let _ = child.kill();
                panic!("the child stopped reporting after its start: {e}");
            }
        }
    }
    // The kill's moment within the next steps is what is random; nothing
    // is awaited here.
    std::thread::sleep(delay);
    let _ = child.kill();
    child.wait().unwrap();
    reader.join().unwrap()
}

/// Queries drawn from the store's sources: each source as it is, with a
/// word replaced, and with its last word dropped.
fn queries(sources: &[String], rng: &mut Rng) -> Vec<String> {
    let mut out = vec!["le rapport a été publié ce matin.".to_string()];
    for _ in 0..4 {
        let Some(s) = sources.get(rng.below(sources.len().max(1) as u64) as usize) else {
            break;
        };
        out.push(s.clone());
        let mut words: Vec<&str> = s.trim_end_matches('.').split(' ').collect();
        let at = rng.below(words.len() as u64) as usize;
        words[at] = "gouvernement";
        out.push(format!("{}.", words.join(" ")));
        words.pop();
        out.push(format!("{}.", words.join(" ")));
    }
    out
}

/// The store's units of the pair fr → en: (id, source).
fn units(dir: &Path) -> Vec<(u64, String)> {
    let store = SledStore::open_existing(dir).unwrap();
    let (fr, en) = (lang("fr"), lang("en"));
    store
        .units(&fr, &en)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.id.0, r.tu.variant(&fr).unwrap().seg.plain_text())
        })
        .collect()
}

/// Lookups through the stored index equal the full scan and the in-memory
/// reference, and the index holds each unit once.
fn lookups_agree(dir: &Path, scorer: Scorer, rng: &mut Rng, k: usize) {
    let (fr, en) = (lang("fr"), lang("en"));
    let memory = Memory::open(dir, &fr, &en, scorer).unwrap();
    let units = units(dir);
    assert_eq!(
        memory.len(),
        units.len(),
        "kill {k}: the index holds {} sources, the store {} units",
        memory.len(),
        units.len()
    );
    let mut reference = Index::new(scorer);
    for (id, source) in &units {
        reference.add(*id, source);
    }
    reference.build();
    let sources: Vec<String> = units.into_iter().map(|(_, s)| s).collect();
    for query in queries(&sources, rng) {
        let indexed = memory.hits(&query, 10, 50, false).unwrap();
        let scanned = memory.hits(&query, 10, 50, true).unwrap();
        let expected = reference.search(&query, 10, 50);
        assert_eq!(
            indexed, scanned,
            "kill {k}, {scorer:?}: index vs full scan for {query:?}"
        );
        assert_eq!(
            indexed, expected,
            "kill {k}, {scorer:?}: index vs the in-memory reference for {query:?}"
        );
    }
}

/// `Tm::check` finds the store and its index sound.
fn sound(dir: &Path, k: usize) {
    let tm = Tm::open(dir).unwrap();
    let faults = tm.check().unwrap();
    assert!(faults.is_empty(), "kill {k}: unsound: {faults:?}");
}

fn kill_many(kills: usize, batch: u64, max_delay_ms: u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tm");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill_index seed {seed}");
    let mut rng = Rng(seed);
    let scorers = [Scorer::Tmkit, Scorer::Omegat, Scorer::Chars];
    for k in 0..kills {
        let steps = 1 + rng.below(3);
        let delay = Duration::from_millis(rng.below(max_delay_ms));
        let reported = run_child(&store, rng.below(u64::MAX), batch, steps, delay);
        // A lookup first after half the kills (it must bring an abandoned
        // index up to date itself), the check first after the others.
        let scorer = scorers[k % scorers.len()];
        if k % 2 == 0 {
            lookups_agree(&store, scorer, &mut rng, k);
            sound(&store, k);
        } else {
            sound(&store, k);
            lookups_agree(&store, scorer, &mut rng, k);
        }
        eprintln!(
            "kill {k} {delay:?} after step {steps}: {reported} steps reported, {scorer:?} agrees"
        );
    }
}

#[test]
fn index_and_units_agree_after_three_kills() {
    if std::env::var("TMKIT_KILL_INDEX_CHILD").is_ok() {
        return;
    }
    kill_many(3, 300, 400);
}

#[test]
#[ignore = "a minute or more; run with --release --ignored"]
fn index_and_units_agree_after_twenty_kills() {
    if std::env::var("TMKIT_KILL_INDEX_CHILD").is_ok() {
        return;
    }
    kill_many(20, 2_000, 1_000);
}
