//! An index segment of the real memory of `../shared/bigtm/`: build, size,
//! the first lookup of a new process, and warm lookups against the
//! in-memory index.
//!
//! ```text
//! cargo build --release -p tmkit-fuzzy --example segment_bigtm
//! B=target/release/examples/segment_bigtm
//! $B build --out target/bigtm.seg [--lines N] [--scorer tmkit]
//! $B first --seg target/bigtm.seg [--runs 10] [--query 0]
//! $B query --seg target/bigtm.seg [--query 0]
//! $B build --out target/bigtm.seg --per-segment 500000   # PATH.0, PATH.1, …
//! $B first --seg target/bigtm.seg --segments 4
//! ```
//!
//! `--per-segment N` cuts the records into segments of N (the last one
//! smaller), written to `PATH.0`, `PATH.1`, … and searched together
//! (`Segment::search_all`); `--segments K` opens `PATH.0` … `PATH.K-1`.
//!
//! `build` reads the first N lines of `bigtm.tsv.gz` (default: all) as
//! records (key: line number, source: the French text, payload: the English
//! one), writes the segment (to a temporary name, renamed), and prints the
//! build time and the size on disk with its ratio to the texts. It then
//! opens the file, builds the in-memory `Index` of the same sources, runs
//! the dev queries (`dev_queries.tsv`) on both one at a time, checks that
//! they answer the same, and prints warm latency percentiles of each.
//!
//! `query` opens the segment and answers one dev query (number `--query`),
//! printing the time from the start of `main` to the answer. `first` runs
//! `query` `--runs` times as new processes under `/usr/bin/time -v` and
//! prints the median wall time (from spawning to exit) and peak resident
//! memory (from `time -v`); each run asks the next dev query.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use tmkit_fuzzy::{Index, IndexBuilder, Scorer, Segment, SegmentWriter};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/bigtm");

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Args {
    mode: String,
    seg: PathBuf,
    lines: usize,
    scorer: Scorer,
    runs: usize,
    query: usize,
    top: usize,
    min: u8,
    /// Records per segment (`build`), or 0 for one segment at `seg`.
    per_segment: usize,
    /// How many segments `PATH.0` … to open (`query`, `first`), or 0 for
    /// the one at `seg`.
    segments: usize,
}

fn parse_args() -> Res<Args> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        mode: it.next().ok_or("expected build, first or query")?,
        seg: PathBuf::from("target/bigtm.seg"),
        lines: usize::MAX,
        scorer: Scorer::Tmkit,
        runs: 10,
        query: 0,
        top: 5,
        min: 50,
        per_segment: 0,
        segments: 0,
    };
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--out" | "--seg" => a.seg = PathBuf::from(value),
            "--lines" => a.lines = value.parse()?,
            "--scorer" => a.scorer = value.parse()?,
            "--runs" => a.runs = value.parse()?,
            "--query" => a.query = value.parse()?,
            "--top" => a.top = value.parse()?,
            "--min" => a.min = value.parse()?,
            "--per-segment" => a.per_segment = value.parse()?,
            "--segments" => a.segments = value.parse()?,
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(a)
}

/// The French queries of `dev_queries.tsv`.
fn dev_queries() -> Res<Vec<String>> {
    // qid kind edit tm_line fr_query en_reference
    let text = std::fs::read_to_string(format!("{SHARED}/dev_queries.tsv"))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(4).map(str::to_owned))
        .collect())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len().max(1) - 1) as f64 * p).round() as usize;
    sorted.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name}: {} queries, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
}

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? >> 10)
}

fn build(a: &Args) -> Res<()> {
    let t0 = Instant::now();
    let file = std::fs::File::open(format!("{SHARED}/bigtm.tsv.gz"))?;
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut writer = SegmentWriter::with(IndexBuilder::new().scorer(a.scorer))?;
    let mut sources: Vec<String> = Vec::new();
    let mut text_bytes = 0;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut built = Duration::ZERO;
    let mut flush = |writer: &mut SegmentWriter, paths: &mut Vec<PathBuf>| -> Res<()> {
        let path = if a.per_segment == 0 {
            a.seg.clone()
        } else {
            PathBuf::from(format!("{}.{}", a.seg.display(), paths.len()))
        };
        let t = Instant::now();
        writer.write_file(&path)?;
        built += t.elapsed();
        *writer = SegmentWriter::with(IndexBuilder::new().scorer(a.scorer))?;
        paths.push(path);
        Ok(())
    };
    for line in reader.lines().take(a.lines) {
        let line = line?;
        let mut cols = line.split('\t');
        let (src, tgt) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""));
        writer.add(sources.len() as u64, src, tgt.as_bytes());
        text_bytes += src.len() + tgt.len();
        sources.push(src.to_owned());
        if a.per_segment > 0 && writer.len() == a.per_segment {
            flush(&mut writer, &mut paths)?;
        }
    }
    if !writer.is_empty() || paths.is_empty() {
        flush(&mut writer, &mut paths)?;
    }
    drop(writer);
    let read = t0.elapsed() - built;
    let mut size = 0;
    for p in &paths {
        size += std::fs::metadata(p)?.len();
    }
    println!(
        "{} records read and tokenized in {:.1} s; postings built and written in {:.1} s; \
         {} segment(s), {:.0} MiB = {:.2} x the texts ({:.0} MiB of sources and targets); peak {} MiB",
        sources.len(),
        read.as_secs_f64(),
        built.as_secs_f64(),
        paths.len(),
        size as f64 / 1048576.0,
        size as f64 / text_bytes as f64,
        text_bytes as f64 / 1048576.0,
        peak_mib().unwrap_or(0)
    );
    let t2 = Instant::now();
    let segs = paths
        .iter()
        .map(|p| Segment::open_file(p))
        .collect::<Result<Vec<_>, _>>()?;
    println!("opened in {:.3} ms", t2.elapsed().as_secs_f64() * 1e3);
    let t3 = Instant::now();
    let mut index: Index = IndexBuilder::new().scorer(a.scorer).build()?;
    for (i, s) in sources.iter().enumerate() {
        index.add(i as u64, s);
    }
    index.build();
    println!(
        "in-memory index built in {:.1} s",
        t3.elapsed().as_secs_f64()
    );
    let queries = dev_queries()?;
    // The first pass over the map takes a page fault at the first touch of
    // each page (the kernel maps pages the page cache already holds); the
    // second reads pages already mapped, as a long-lived process does.
    let (mut first_touch, mut on_disk, mut in_memory, mut differ) =
        (Vec::new(), Vec::new(), Vec::new(), 0);
    for q in &queries {
        let t = Instant::now();
        Segment::search_all(&segs, q, a.top, a.min, &|_, _| true)?;
        first_touch.push(t.elapsed());
    }
    for q in &queries {
        let t = Instant::now();
        let hits = Segment::search_all(&segs, q, a.top, a.min, &|_, _| true)?;
        on_disk.push(t.elapsed());
        let t = Instant::now();
        let want = index.search(q, a.top, a.min);
        in_memory.push(t.elapsed());
        let got: Vec<_> = hits.into_iter().map(|h| h.hit).collect();
        differ += usize::from(got != want);
    }
    report("segment (mapped), first pass", first_touch);
    report("segment (mapped), second pass", on_disk);
    report("in-memory Index", in_memory);
    println!("{differ} of {} queries answered differently", queries.len());
    Ok(())
}

fn query(a: &Args, start: Instant) -> Res<()> {
    let queries = dev_queries()?;
    let q = queries.get(a.query).ok_or("no such dev query")?;
    let segs = if a.segments == 0 {
        vec![Segment::open_file(&a.seg)?]
    } else {
        (0..a.segments)
            .map(|i| Segment::open_file(&PathBuf::from(format!("{}.{i}", a.seg.display()))))
            .collect::<Result<Vec<_>, _>>()?
    };
    let opened = start.elapsed();
    let hits = Segment::search_all(&segs, q, a.top, a.min, &|_, _| true)?;
    let answered = start.elapsed();
    for h in &hits {
        println!(
            "{}\t{}\t{}",
            h.hit.key,
            h.hit.score,
            String::from_utf8_lossy(h.payload)
        );
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0.0, |kb| kb as f64 / 1024.0)
    };
    println!(
        "opened at {:.2} ms, answered at {:.2} ms ({} records); \
         resident now {:.1} MiB anonymous + {:.1} MiB of mapped files",
        opened.as_secs_f64() * 1e3,
        answered.as_secs_f64() * 1e3,
        segs.iter().map(Segment::len).sum::<usize>(),
        field("RssAnon:"),
        field("RssFile:")
    );
    Ok(())
}

/// `value` of the line of `/usr/bin/time -v` output starting with `name`.
fn time_field<'a>(out: &'a str, name: &str) -> Option<&'a str> {
    let line = out.lines().find(|l| l.trim_start().starts_with(name))?;
    Some(line.rsplit(": ").next()?.trim())
}

fn first(a: &Args) -> Res<()> {
    let exe = std::env::current_exe()?;
    let (mut walls, mut rss) = (Vec::new(), Vec::new());
    for run in 0..a.runs {
        let t = Instant::now();
        let out = Command::new("/usr/bin/time")
            .arg("-v")
            .arg(&exe)
            .args(["query", "--seg"])
            .arg(&a.seg)
            .args(["--query", &(a.query + run).to_string()])
            .args(["--segments", &a.segments.to_string()])
            .output()?;
        // `time -v` gives the wall time in hundredths of a second: the
        // spawn-to-exit time measured here is finer (and includes `time`).
        let secs = t.elapsed().as_secs_f64();
        let err = String::from_utf8_lossy(&out.stderr);
        let kb: f64 = time_field(&err, "Maximum resident set size")
            .ok_or("no RSS")?
            .parse()?;
        println!(
            "run {run}: wall {:.0} ms, peak RSS {:.1} MiB; {}",
            secs * 1e3,
            kb / 1024.0,
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or("")
        );
        walls.push(secs * 1e3);
        rss.push(kb / 1024.0);
    }
    walls.sort_by(f64::total_cmp);
    rss.sort_by(f64::total_cmp);
    let median = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
    println!(
        "median of {} new processes: wall {:.0} ms, peak RSS {:.1} MiB",
        a.runs,
        median(&walls),
        median(&rss)
    );
    Ok(())
}

fn main() -> Res<()> {
    let start = Instant::now();
    let a = parse_args()?;
    match a.mode.as_str() {
        "build" => build(&a),
        "query" => query(&a, start),
        "first" => first(&a),
        m => Err(format!("unknown mode {m}: expected build, first or query").into()),
    }
}
