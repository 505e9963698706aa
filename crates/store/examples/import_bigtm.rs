//! Imports the first N units of the real French→English memory into a fresh
//! sled store and prints units per second and peak memory, next to the floor:
//! a plain sled insert loop over the same bytes.
//!
//! ```text
//! cargo run --release -p tmkit-store --example import_bigtm -- 100000
//! cargo run --release -p tmkit-store --example import_bigtm -- 1000000 [store|floor|both] [path.tsv.gz]
//! ```
//!
//! `both` (the default) runs each side in its own child process, so that
//! each peak RSS (`VmHWM`) is its own.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use tmkit_core::{Lang, Segment, Tu};
use tmkit_store::{ImportMeta, SledStore, Store};

const BATCH: usize = 10_000;

fn default_tsv() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/bigtm/bigtm.tsv.gz"
    ))
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// User + system CPU seconds of this process (all threads), from
/// `/proc/self/stat`: a figure less hurt by a busy machine than wall time.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat(5), counted from after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn lines(path: &Path, n: usize) -> impl Iterator<Item = (String, String)> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = BufReader::with_capacity(1 << 20, flate2::read::GzDecoder::new(file));
    reader.lines().take(n).filter_map(|l| {
        let l = l.ok()?;
        let (fr, en) = l.split_once('\t')?;
        Some((fr.to_string(), en.to_string()))
    })
}

fn run_store(path: &Path, n: usize, dir: &Path) {
    let (fr, en) = (Lang::parse("fr").unwrap(), Lang::parse("en").unwrap());
    let store = SledStore::open(dir).unwrap();
    let start = Instant::now();
    let import = store
        .begin_import(&ImportMeta::new(path.display().to_string(), fr.clone()))
        .unwrap();
    let mut batch = Vec::with_capacity(BATCH);
    let mut total = 0u64;
    let mut stored = 0u64;
    for (src, tgt) in lines(path, n) {
        batch.push(Tu::bilingual(
            fr.clone(),
            Segment::from_text(src),
            en.clone(),
            Segment::from_text(tgt),
        ));
        if batch.len() == BATCH {
            total += batch.len() as u64;
            let r = store.put_batch(import, std::mem::take(&mut batch)).unwrap();
            stored += r.added + r.merged;
        }
    }
    total += batch.len() as u64;
    let r = store.put_batch(import, batch).unwrap();
    stored += r.added + r.merged;
    store.commit_import(import).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_secs();
    let t = Instant::now();
    let sources = store.sources(&fr, &en).unwrap().count();
    let sources_secs = t.elapsed().as_secs_f64();
    let size = store.stats().unwrap().size_on_disk;
    let t = Instant::now();
    let faults = store.check().unwrap().len();
    let check_secs = t.elapsed().as_secs_f64();
    println!(
        "store  units={total} stored={stored} secs={secs:.2} tu_per_s={:.0} cpu_s={cpu:.2} tu_per_cpu_s={:.0} \
         peak_rss_mib={:.0} disk_mib={:.0} sources={sources} sources_secs={sources_secs:.2} \
         check_faults={faults} check_secs={check_secs:.2}",
        total as f64 / secs,
        total as f64 / cpu,
        peak_rss_mib(),
        size as f64 / (1 << 20) as f64
    );
}

fn run_floor(path: &Path, n: usize, dir: &Path) {
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(tmkit_store::DEFAULT_CACHE_BYTES)
        .open()
        .unwrap();
    let tree = db.open_tree("floor").unwrap();
    let start = Instant::now();
    let mut total = 0u64;
    for (src, tgt) in lines(path, n) {
        let mut value = src.into_bytes();
        value.push(b'\t');
        value.extend_from_slice(tgt.as_bytes());
        tree.insert(total.to_be_bytes(), value).unwrap();
        total += 1;
    }
    db.flush().unwrap();
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_secs();
    println!(
        "floor  units={total} secs={secs:.2} tu_per_s={:.0} cpu_s={cpu:.2} tu_per_cpu_s={:.0} peak_rss_mib={:.0} disk_mib={:.0}",
        total as f64 / secs,
        total as f64 / cpu,
        peak_rss_mib(),
        db.size_on_disk().unwrap_or(0) as f64 / (1 << 20) as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mode = args.get(2).map_or("both", String::as_str);
    let path = args.get(3).map_or_else(default_tsv, PathBuf::from);
    match mode {
        "store" | "floor" => {
            let dir = tempfile::tempdir().unwrap();
            if mode == "store" {
                run_store(&path, n, dir.path());
            } else {
                run_floor(&path, n, dir.path());
            }
        }
        _ => {
            let exe = std::env::current_exe().unwrap();
            for side in ["floor", "store"] {
                let status = Command::new(&exe)
                    .args([n.to_string(), side.to_string(), path.display().to_string()])
                    .status()
                    .unwrap();
                assert!(status.success(), "{side} run failed");
            }
        }
    }
}
