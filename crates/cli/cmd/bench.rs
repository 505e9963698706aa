use std::{
    io::Write,
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::{bail, Result};
use clap::Subcommand;
use serde_json::json;

use crate::{
    flags::{parse_top, MemoryArgs, ScorerArg},
    out,
};

/// What `tmkit bench` measures.
#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Time lookups over a store, and check them against a full scan.
    Lookup(LookupArgs),
}

/// Time lookups over a store, and check them against a full scan.
///
/// Prints the time to open the store and build the index, the index's size,
/// the p50/p95/p99 time per query (index search and the whole lookup), and
/// the recall of the full scan's best match, all from the same run.
///
/// The queries file holds one query per line, or is a TSV file with a header
/// naming a `query` or `fr_query` column.
///
/// Example:
///   tmkit bench lookup --db ./big --src-lang fr --tgt-lang en --queries dev_queries.tsv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct LookupArgs {
    #[command(flatten)]
    memory: MemoryArgs,
    /// The queries.
    #[arg(long, value_name = "FILE")]
    queries: PathBuf,
    /// Matches per query (1 or more).
    #[arg(long, default_value_t = 5, value_parser = parse_top)]
    top: usize,
    /// Lowest score.
    #[arg(long, default_value_t = 50)]
    min: u8,
    /// Scoring function.
    #[arg(long, value_enum, default_value_t = ScorerArg::Tmkit)]
    scorer: ScorerArg,
    /// Compare with the full scan on the first N queries (0: none).
    #[arg(long, default_value_t = 200)]
    recall_sample: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(what: Bench) -> Result<ExitCode> {
    match what {
        Bench::Lookup(a) => lookup(a),
    }
}

fn read_queries(path: &std::path::Path) -> Result<Vec<String>> {
    let text = super::read_input(Some(path))?;
    let mut lines = text.lines();
    let Some(first) = lines.next() else {
        bail!("{}: no query", path.display())
    };
    let header: Vec<&str> = first.split('\t').collect();
    let column = header
        .iter()
        .position(|h| *h == "query" || *h == "fr_query");
    Ok(match column {
        // A TSV column is read as the import reads a TSV field, so that a
        // query matches the unit it was made from.
        Some(c) => lines
            .filter_map(|l| l.split('\t').nth(c))
            .map(|field| tmkit_engine::tsv_text(field).into_owned())
            .collect(),
        None => std::iter::once(first)
            .chain(lines)
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn lookup(args: LookupArgs) -> Result<ExitCode> {
    let queries = read_queries(&args.queries)?;
    let t0 = Instant::now();
    let memory = args.memory.memory(args.scorer)?;
    let open = t0.elapsed();

    let (mut search, mut whole) = (Vec::new(), Vec::new());
    let mut hit_queries = 0;
    for q in &queries {
        let t = Instant::now();
        let hits = memory.hits(q, args.top, args.min, false)?;
        search.push(t.elapsed());
        let t = Instant::now();
        let matches = memory.lookup(q, args.top, args.min)?;
        whole.push(t.elapsed());
        hit_queries += usize::from(!matches.is_empty() || !hits.is_empty());
    }
    search.sort();
    whole.sort();

    // Recall of the full scan's top-1: the index must return a hit with the
    // same best score (ties: any of the tied keys is right).
    let (mut agree, mut compared) = (0, 0);
    let mut brute_times = Vec::new();
    for q in queries.iter().take(args.recall_sample) {
        let t = Instant::now();
        let brute = memory.hits(q, args.top, args.min, true)?;
        brute_times.push(t.elapsed());
        let fast = memory.hits(q, args.top, args.min, false)?;
        let Some(best) = brute.first() else { continue };
        compared += 1;
        let tied: Vec<u64> = brute
            .iter()
            .filter(|h| h.score == best.score)
            .map(|h| h.key)
            .collect();
        if fast.first().is_some_and(|f| {
            f.score == best.score && (tied.contains(&f.key) || tied.len() == args.top)
        }) {
            agree += 1;
        }
    }
    brute_times.sort();
    let recall = if compared == 0 {
        1.0
    } else {
        agree as f64 / compared as f64
    };

    let mut w = out::stdout();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    if args.json {
        let value = json!({
            "type": "bench_lookup", "units": memory.len(), "queries": queries.len(),
            "open_ms": ms(open), "index_bytes": memory.index_bytes(),
            "search_ms": {"p50": percentile(&search, 0.5), "p95": percentile(&search, 0.95), "p99": percentile(&search, 0.99)},
            "lookup_ms": {"p50": percentile(&whole, 0.5), "p95": percentile(&whole, 0.95), "p99": percentile(&whole, 0.99)},
            "brute_force_ms": {"p50": percentile(&brute_times, 0.5), "p99": percentile(&brute_times, 0.99)},
            "recall_top1": recall, "recall_compared": compared, "queries_with_hits": hit_queries,
        });
        out::json_line(&mut w, &value)?;
    } else {
        writeln!(w, "units indexed:   {}", memory.len())?;
        writeln!(
            w,
            "open index:      {:.1} ms ({:.1} MiB of segments)",
            ms(open),
            memory.index_bytes() as f64 / 1_048_576.0
        )?;
        writeln!(
            w,
            "queries:         {} ({} with a match ≥ {})",
            queries.len(),
            hit_queries,
            args.min
        )?;
        writeln!(
            w,
            "index search:    p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms",
            percentile(&search, 0.5),
            percentile(&search, 0.95),
            percentile(&search, 0.99)
        )?;
        writeln!(
            w,
            "whole lookup:    p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms",
            percentile(&whole, 0.5),
            percentile(&whole, 0.95),
            percentile(&whole, 0.99)
        )?;
        writeln!(
            w,
            "full scan:       p50 {:.3} ms, p99 {:.3} ms (first {} queries)",
            percentile(&brute_times, 0.5),
            percentile(&brute_times, 0.99),
            brute_times.len()
        )?;
        writeln!(
            w,
            "recall of top-1: {:.2}% ({agree}/{compared})",
            recall * 100.0
        )?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_query_column_is_read_as_the_tsv_import_reads_a_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.tsv");
        std::fs::write(&path, "qid\tfr_query\n1\tLigne\\nsuivante C:\\dossier\n").unwrap();
        assert_eq!(
            super::read_queries(&path).unwrap(),
            ["Ligne\nsuivante C:\\dossier"]
        );
    }
}
