//! Lookup speed and exactness on the real memory of `../shared/bigtm/`.
//!
//! ```text
//! cargo run --release -p tmkit-fuzzy --example bench_bigtm -- \
//!     [--lines N] [--holdout H] [--scorer tmkit] [--top 5] [--min 50] [--sample S]
//!     [--queries Q] [--big-unit BYTES] [--long-query] [--min-indexed M]
//! ```
//!
//! Loads the first N lines of `bigtm.tsv.gz` (default: all) except H held-out
//! lines at the end of that prefix (default 500; lines that are the origin of
//! a dev query are kept), builds the index, then runs the 1,000 dev queries
//! and the held-out sources (no close match: the slow case), one at a time on
//! one core, and prints per-query latency percentiles. On a sample of S
//! queries of each kind (default 30) it also runs the full scan and reports
//! how often the index's answer equals it. `--queries Q` keeps the first Q
//! queries of each kind (default: all).
//!
//! `--min-indexed M` sets the lowest threshold the postings serve (lower
//! ones scan), as `tmkit lookup --scorer chars` does with 100.
//!
//! `--big-unit BYTES` adds one more unit of about BYTES bytes (the memory's
//! first sources joined by spaces, under key `u64::MAX`): a single huge unit
//! must not slow every lookup. `--long-query` then also looks that unit up
//! with one word changed (a query as long as it), and reports the time and
//! the process's peak memory (`VmHWM`) before and after.

use std::collections::HashSet;
use std::io::BufRead;
use std::time::{Duration, Instant};

use tmkit_fuzzy::{Index, IndexBuilder, Scorer};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/bigtm");

struct Args {
    lines: usize,
    holdout: usize,
    scorer: Scorer,
    top: usize,
    min: u8,
    sample: usize,
    queries: usize,
    big_unit: usize,
    long_query: bool,
    min_indexed: u8,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        lines: usize::MAX,
        holdout: 500,
        scorer: Scorer::Tmkit,
        top: 5,
        min: 50,
        sample: 30,
        queries: usize::MAX,
        big_unit: 0,
        long_query: false,
        min_indexed: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--long-query" {
            a.long_query = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--lines" => a.lines = value.parse().map_err(|e| bad(&e))?,
            "--holdout" => a.holdout = value.parse().map_err(|e| bad(&e))?,
            "--scorer" => a.scorer = value.parse().map_err(|e| bad(&e))?,
            "--top" => a.top = value.parse().map_err(|e| bad(&e))?,
            "--min" => a.min = value.parse().map_err(|e| bad(&e))?,
            "--sample" => a.sample = value.parse().map_err(|e| bad(&e))?,
            "--queries" => a.queries = value.parse().map_err(|e| bad(&e))?,
            "--big-unit" => a.big_unit = value.parse().map_err(|e| bad(&e))?,
            "--min-indexed" => a.min_indexed = value.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(a)
}

/// Time this thread has spent on a CPU, in nanoseconds (Linux). The kernel
/// updates it at scheduler ticks (4 ms here), so only its mean over many
/// queries means something: compared with the wall-clock mean it shows how
/// much of the wall time went to waiting for a core on a shared machine.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? >> 10)
}

/// About `bytes` bytes of the memory's sources joined by spaces.
fn big_text(sources: &[String], bytes: usize) -> String {
    let mut big = String::with_capacity(bytes + 1024);
    for s in sources.iter().cycle() {
        if big.len() >= bytes {
            break;
        }
        big.push_str(s);
        big.push(' ');
    }
    big
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

/// The work the searches of one run did, summed over its queries.
#[derive(Default)]
struct Work {
    postings: usize,
    candidates: usize,
    within_bounds: usize,
    scored: usize,
}

impl Work {
    fn add(&mut self, st: &tmkit_fuzzy::SearchStats) {
        self.postings += st.postings;
        self.candidates += st.candidates;
        self.within_bounds += st.within_bounds;
        self.scored += st.scored;
    }

    /// Prints the work per query, over `queries` queries.
    fn report(&self, queries: usize) {
        let per = |w: usize| w as f64 / queries.max(1) as f64;
        println!(
            "  per query: {:.0} postings read, {:.0} candidates, {:.0} within bounds, {:.1} fully scored",
            per(self.postings),
            per(self.candidates),
            per(self.within_bounds),
            per(self.scored)
        );
    }
}

fn report_mean(name: &str, times: &[Duration]) {
    let mean = times.iter().sum::<Duration>().as_secs_f64() * 1e3 / times.len().max(1) as f64;
    println!("{name}: mean {mean:.3} ms over {} queries", times.len());
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let mean = times.iter().sum::<Duration>().as_secs_f64() * 1e3 / times.len().max(1) as f64;
    println!(
        "{name}: {} queries, p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms, mean {:.3} ms",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
        mean
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let t0 = Instant::now();
    let file = std::fs::File::open(format!("{SHARED}/bigtm.tsv.gz"))?;
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut sources: Vec<String> = Vec::new();
    for line in reader.lines().take(args.lines) {
        let line = line?;
        sources.push(line.split('\t').next().unwrap_or("").to_owned());
    }
    let n = sources.len();
    // qid kind edit tm_line fr_query en_reference
    let mut dev: Vec<(usize, String)> = Vec::new();
    for line in std::fs::read_to_string(format!("{SHARED}/dev_queries.tsv"))?
        .lines()
        .skip(1)
    {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() >= 5 {
            dev.push((cols[3].parse()?, cols[4].to_owned()));
        }
    }
    let keep: HashSet<usize> = dev.iter().map(|d| d.0).collect();
    let all_held: Vec<usize> = (n.saturating_sub(args.holdout)..n)
        .filter(|i| !keep.contains(i))
        .collect();
    let held_set: HashSet<usize> = all_held.iter().copied().collect();
    // The memory is the same whatever the number of queries (as in
    // bench/rapidfuzz_lookup.py): only the query lists are cut.
    dev.truncate(args.queries);
    let held: Vec<usize> = all_held.iter().copied().take(args.queries).collect();
    println!(
        "read {n} lines in {:.1} s; memory {} units, {} held out; scorer {}, top {}, min {}",
        t0.elapsed().as_secs_f64(),
        n - all_held.len(),
        all_held.len(),
        args.scorer,
        args.top,
        args.min
    );

    let t1 = Instant::now();
    let mut index: Index = IndexBuilder::new()
        .scorer(args.scorer)
        .min_indexed(args.min_indexed)
        .build()?;
    for (i, s) in sources.iter().enumerate() {
        if !held_set.contains(&i) {
            index.add(i as u64, s);
        }
    }
    let big = (args.big_unit > 0).then(|| big_text(&sources, args.big_unit));
    if let Some(big) = &big {
        let t = Instant::now();
        index.add(u64::MAX, big);
        println!(
            "added one unit of {} bytes ({} words) in {:.3} s",
            big.len(),
            big.split_whitespace().count(),
            t.elapsed().as_secs_f64()
        );
    }
    let added = t1.elapsed();
    index.build();
    println!(
        "build: add {:.2} s + postings {:.2} s = {:.2} s; index memory ~{} MiB",
        added.as_secs_f64(),
        (t1.elapsed() - added).as_secs_f64(),
        t1.elapsed().as_secs_f64(),
        index.memory_bytes() >> 20
    );

    let mut times = Vec::new();
    let mut first = 0;
    let mut present = 0;
    let mut answers = Vec::new();
    let mut slowest: Vec<(Duration, usize, tmkit_fuzzy::SearchStats)> = Vec::new();
    let mut work = Work::default();
    let mut cpu = Vec::new();
    for (line, q) in &dev {
        let c = cpu_ns();
        let t = Instant::now();
        let (hits, st) = index.search_with_stats(q, args.top, args.min);
        times.push(t.elapsed());
        if let (Some(a), Some(b)) = (c, cpu_ns()) {
            cpu.push(Duration::from_nanos(b.saturating_sub(a)));
        }
        slowest.push((t.elapsed(), q.split_whitespace().count(), st));
        work.add(&st);
        if *line < n && !held_set.contains(line) {
            present += 1;
            first += usize::from(hits.first().is_some_and(|h| h.key == *line as u64));
        }
        answers.push(hits);
    }
    report("dev queries (one light edit)", times);
    report_mean("  on-CPU time of the same", &cpu);
    work.report(dev.len());
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (d, words, st) in slowest.iter().take(3) {
        println!(
            "  slow: {:.3} ms, {words} words, {st:?}",
            d.as_secs_f64() * 1e3
        );
    }
    println!("  origin unit ranked first: {first} of {present} whose origin is in the memory");
    let mut held_times = Vec::new();
    let mut held_answers = Vec::new();
    let mut work = Work::default();
    let mut cpu = Vec::new();
    for &i in &held {
        let c = cpu_ns();
        let t = Instant::now();
        let (hits, st) = index.search_with_stats(&sources[i], args.top, args.min);
        held_times.push(t.elapsed());
        if let (Some(a), Some(b)) = (c, cpu_ns()) {
            cpu.push(Duration::from_nanos(b.saturating_sub(a)));
        }
        held_answers.push(hits);
        work.add(&st);
    }
    report("held-out sources (no exact match)", held_times);
    report_mean("  on-CPU time of the same", &cpu);
    work.report(held.len());
    let with_hits = held_answers.iter().filter(|h| !h.is_empty()).count();
    println!(
        "  held-out queries with a hit >= {}: {with_hits} of {}",
        args.min,
        held.len()
    );

    for (name, queries, answers) in [
        (
            "dev",
            dev.iter().map(|d| d.1.as_str()).collect::<Vec<_>>(),
            &answers,
        ),
        (
            "held-out",
            held.iter().map(|&i| sources[i].as_str()).collect(),
            &held_answers,
        ),
    ] {
        let step = (queries.len() / args.sample.max(1)).max(1);
        let (mut same, mut top1, mut total) = (0, 0, 0);
        let mut brute = Vec::new();
        for (q, fast) in queries
            .iter()
            .zip(answers.iter())
            .step_by(step)
            .take(args.sample)
        {
            let t = Instant::now();
            let slow = index.brute_force(q, args.top, args.min);
            brute.push(t.elapsed());
            total += 1;
            same += usize::from(&slow == fast);
            top1 += usize::from(slow.first().map(|h| h.score) == fast.first().map(|h| h.score));
        }
        println!(
            "  {name}: index = full scan on {same} of {total} sampled queries (top-1 score equal on {top1})"
        );
        report(&format!("  {name}: full scan"), brute);
    }
    if let (Some(big), true) = (&big, args.long_query) {
        // One word changed in the middle, so that the match is not exact.
        let mid = big.len() / 2;
        let at = mid + big[mid..].find(' ').unwrap_or(0);
        let query = format!("{}zzz{}", &big[..at], &big[at..]);
        println!("peak memory before the long query: {:?} MiB", peak_mib());
        let t = Instant::now();
        let hits = index.search(&query, args.top, args.min);
        println!(
            "long query ({} bytes) by the index: {:.3} s, best {:?}; peak memory {:?} MiB",
            query.len(),
            t.elapsed().as_secs_f64(),
            hits.first().map(|h| (h.key == u64::MAX, h.score)),
            peak_mib()
        );
        let t = Instant::now();
        let slow = index.brute_force(&query, args.top, args.min);
        println!(
            "long query by the full scan: {:.3} s, same answer: {}; peak memory {:?} MiB",
            t.elapsed().as_secs_f64(),
            slow == hits,
            peak_mib()
        );
    }
    Ok(())
}
