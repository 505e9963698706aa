//! What building one index segment costs, step by step, on the real memory
//! of `../shared/bigtm/`: the work an import with index maintenance does for
//! every 400,000 units.
//!
//! ```text
//! cargo build --release -p tmkit-fuzzy --example segment_build
//! target/release/examples/segment_build [--lines 400000] [--runs 3] \
//!     [--scorer tmkit] [--out target/segment_build.seg]
//! ```
//!
//! Reads the first `--lines` lines of `bigtm.tsv.gz` into memory (not
//! timed; source: the French text, payload: the English one, key: the line
//! number), then `--runs` times builds a segment of them and times each
//! step separately: `add` of every record (tokenizing), the posting tables
//! (`SegmentWriter::build`), `write_to` a file through a 1 MiB buffer without
//! syncing it, and `write_file` (temporary name, fsync, rename, directory
//! fsync: what the engine calls). Prints each run, then the median of each
//! step (wall time, and the time the thread spent on a CPU, which a loaded
//! machine does not inflate as much) and the FNV-1a hash of the segment's bytes, which must not change
//! when the build gets faster (the format is fixed byte for byte).
//!
//! Runs with mimalloc as the allocator, as the `tmkit` binary does.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tmkit_fuzzy::{IndexBuilder, Scorer, SegmentWriter};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/bigtm");

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Args {
    lines: usize,
    runs: usize,
    scorer: Scorer,
    out: PathBuf,
}

fn parse_args() -> Res<Args> {
    let mut a = Args {
        lines: 400_000,
        runs: 3,
        scorer: Scorer::Tmkit,
        out: PathBuf::from("target/segment_build.seg"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--lines" => a.lines = value.parse()?,
            "--runs" => a.runs = value.parse()?,
            "--scorer" => a.scorer = value.parse()?,
            "--out" => a.out = PathBuf::from(value),
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(a)
}

/// FNV-1a over the file, to compare segments across builds of the code.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The time this thread has spent on a CPU (`/proc/thread-self/schedstat`,
/// Linux): on a shared machine, what a step cost apart from waiting for a
/// core. Zero where it cannot be read.
fn cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Wall and CPU time of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration, Duration) {
    let (t, c) = (Instant::now(), cpu());
    let out = f();
    (out, t.elapsed(), cpu() - c)
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64()
}

fn main() -> Res<()> {
    let a = parse_args()?;
    let file = std::fs::File::open(format!("{SHARED}/bigtm.tsv.gz"))?;
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut records: Vec<(String, String)> = Vec::new();
    for line in reader.lines().take(a.lines) {
        let line = line?;
        let mut cols = line.split('\t');
        let (src, tgt) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""));
        records.push((src.to_owned(), tgt.to_owned()));
    }
    let names = ["add", "tables", "write (no fsync)", "write_file (fsync)"];
    let mut wall: [Vec<Duration>; 4] = Default::default();
    let mut on_cpu: [Vec<Duration>; 4] = Default::default();
    let mut hash = 0;
    let mut size = 0;
    for run in 0..a.runs {
        let mut w = SegmentWriter::with(IndexBuilder::new().scorer(a.scorer))?;
        let ((), add, add_cpu) = timed(|| {
            for (i, (src, tgt)) in records.iter().enumerate() {
                w.add(i as u64, src, tgt.as_bytes());
            }
        });
        let ((), tables, tables_cpu) = timed(|| w.build());
        let (written, write, write_cpu) = timed(|| -> Res<()> {
            let file = std::fs::File::create(&a.out)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            w.write_to(&mut out)?;
            out.flush()?;
            Ok(())
        });
        written?;
        let (written, sync, sync_cpu) = timed(|| w.write_file(&a.out));
        written?;
        drop(w);
        let bytes = std::fs::read(&a.out)?;
        (hash, size) = (fnv(&bytes), bytes.len());
        let steps = [
            (add, add_cpu),
            (tables, tables_cpu),
            (write, write_cpu),
            (sync, sync_cpu),
        ];
        let line: Vec<String> = names
            .iter()
            .zip(steps)
            .map(|(n, (w, c))| format!("{n} {:.3} s (CPU {:.3})", w.as_secs_f64(), c.as_secs_f64()))
            .collect();
        println!("run {run}: {}", line.join(", "));
        for (i, (w, c)) in steps.into_iter().enumerate() {
            wall[i].push(w);
            on_cpu[i].push(c);
        }
    }
    let wall = wall.map(median);
    let on_cpu = on_cpu.map(median);
    let line: Vec<String> = names
        .iter()
        .zip(wall.iter().zip(&on_cpu))
        .map(|(n, (w, c))| format!("{n} {w:.3} s (CPU {c:.3})"))
        .collect();
    let total = wall[0] + wall[1] + wall[3];
    println!(
        "{} records, {} runs, medians: {}; add + tables + write_file {total:.3} s = {:.0} records/s",
        records.len(),
        a.runs,
        line.join(", "),
        records.len() as f64 / total
    );
    println!("segment {size} bytes, FNV-1a {hash:016x}");
    Ok(())
}
