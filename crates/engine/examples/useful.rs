//! How useful is the top suggestion, and does its score say so? For held-out
//! units of a real memory, the target of each scorer's top match is compared
//! with the unit's own target by chrF (`tmkit_fuzzy::chrf`, sacrebleu's
//! chrF2), beside Python peers run over the same memory.
//!
//! ```text
//! python3 bench/useful_split.py                  # target/useful/{memory,queries}.tsv
//! target/bench-venv/bin/python bench/useful_peers.py --queries 100 \
//!     --scorers ratio,token_sort_ratio,translate             # peers.tsv
//! target/bench-venv/bin/python bench/useful_peers.py --queries 20 \
//!     --scorers WRatio --out peers_wratio.tsv                # peers_wratio.tsv
//! cargo run --release -p tmkit-engine --example useful -- [--dir target/useful]
//!     [--scorers tmkit,omegat,chars:100] [--min 50] [--top 5] [--queries N] [--rerank 20]
//! ```
//!
//! The memory is imported once into `DIR/db` (kept for the next run). For
//! each scorer the pair is loaded into an index and every held-out source is
//! looked up (`Memory::lookup`, top 5, at least `--min`); a match's target
//! is the one a translator is shown, with the query's numbers and
//! placeholders substituted when tmkit does so. Every `DIR/peers*.tsv`
//! is read as written by `bench/useful_peers.py`. Printed per system, over
//! the queries it was run on: coverage (queries with a suggestion at
//! `--min`), the mean chrF of the top suggestion's target, the mean chrF of
//! the best of its top 5 (oracle@5), Spearman's rank correlation between the
//! top score and that chrF, the mean chrF and count per band, and the lookup
//! time (p50, p99). `common` is the mean top-1 chrF over the queries every
//! system of the table suggests something for; each table holds the systems
//! run on at least its queries (`chars:100` runs that scorer on the first
//! 100 only). `--rerank K` adds rows for
//! experimental orders of tmkit's top K (see `RERANKS`); `DIR/top1_*.tsv`
//! keeps each tmkit scorer's top match per query, for reading.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tmkit_core::Lang;
use tmkit_engine::{tsv_field, tsv_text, ImportOptions, Scorer, Tm};
use tmkit_fuzzy::{chrf, score};

/// One held-out unit.
struct Query {
    source: String,
    target: String,
}

/// What one system suggested for one query: its top hits (score, target),
/// best first, and the time the lookup took.
struct Answer {
    hits: Vec<(f64, String)>,
    ms: f64,
}

/// A system's answers, for the first `answers.len()` queries.
struct System {
    name: String,
    answers: Vec<Answer>,
}

/// Experimental re-rankings of tmkit's top `--rerank` hits: a name and the
/// new score from the query, the stored source and the tmkit score.
type Rescore = fn(&str, &str, f64) -> f64;
const RERANKS: [(&str, Rescore); 5] = [
    ("mean(tmkit, chars), at least 50", |q, c, t| {
        ((t + f64::from(score(Scorer::Chars, q, c).0)) / 2.0).max(50.0)
    }),
    ("chars", |q, c, _| f64::from(score(Scorer::Chars, q, c).0)),
    ("max(tmkit, chars)", |q, c, t| {
        t.max(f64::from(score(Scorer::Chars, q, c).0))
    }),
    ("mean(tmkit, chars)", |q, c, t| {
        (t + f64::from(score(Scorer::Chars, q, c).0)) / 2.0
    }),
    ("tmkit, then chars", |q, c, t| {
        t + f64::from(score(Scorer::Chars, q, c).0) / 1000.0
    }),
];

/// The score bands of `docs/MATCHING.md`, best first: (name, lowest,
/// highest), over whole points (a peer's 94.5 is in 85-94).
const BANDS: [(&str, f64, f64); 5] = [
    ("100", 100.0, 100.0),
    ("95-99", 95.0, 99.0),
    ("85-94", 85.0, 94.0),
    ("75-84", 75.0, 84.0),
    ("50-74", 50.0, 74.0),
];

struct Args {
    dir: PathBuf,
    /// Each scorer, with the number of queries it is run on (`chars:100`)
    /// when not all.
    scorers: Vec<(Scorer, Option<usize>)>,
    min: u8,
    top: usize,
    queries: Option<usize>,
    rerank: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dir: PathBuf::from("target/useful"),
        scorers: vec![
            (Scorer::Tmkit, None),
            (Scorer::Omegat, None),
            (Scorer::Chars, None),
        ],
        min: 50,
        top: 5,
        queries: None,
        rerank: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--dir" => args.dir = PathBuf::from(value()?),
            "--scorers" => {
                args.scorers = value()?
                    .split(',')
                    .map(|s| {
                        let (name, limit) = s.split_once(':').unwrap_or((s, ""));
                        let limit = match limit {
                            "" => None,
                            n => Some(n.parse().map_err(|e| format!("--scorers {s}: {e}"))?),
                        };
                        Ok((name.parse::<Scorer>().map_err(|e| e.to_string())?, limit))
                    })
                    .collect::<Result<_, String>>()?
            }
            "--min" => args.min = value()?.parse().map_err(|e| format!("--min: {e}"))?,
            "--top" => args.top = value()?.parse().map_err(|e| format!("--top: {e}"))?,
            "--queries" => {
                args.queries = Some(value()?.parse().map_err(|e| format!("--queries: {e}"))?)
            }
            "--rerank" => args.rerank = value()?.parse().map_err(|e| format!("--rerank: {e}"))?,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; see the example's header"
                ))
            }
        }
    }
    Ok(args)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("useful: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let (fr, en) = (
        Lang::parse("fr").map_err(|e| e.to_string())?,
        Lang::parse("en").map_err(|e| e.to_string())?,
    );
    let mut queries = read_queries(&args.dir.join("queries.tsv"))?;
    if let Some(n) = args.queries {
        queries.truncate(n);
    }
    let tm = open_memory(&args.dir, &fr, &en)?;
    let mut systems = Vec::new();
    for &(scorer, limit) in &args.scorers {
        let t = Instant::now();
        let memory = tm.memory(&fr, &en, scorer).map_err(|e| e.to_string())?;
        eprintln!(
            "{scorer}: {} sources indexed in {:.1} s",
            memory.len(),
            t.elapsed().as_secs_f64()
        );
        let mut answers = Vec::with_capacity(queries.len());
        let mut dump = String::new();
        let mut reranked: Vec<System> = RERANKS
            .iter()
            .map(|(name, _)| System {
                name: format!("tmkit {scorer} top-{} by {name}", args.rerank),
                answers: Vec::new(),
            })
            .collect();
        for q in &queries[..limit.unwrap_or(queries.len()).min(queries.len())] {
            let t = Instant::now();
            let hits = memory
                .lookup(&q.source, args.top, args.min)
                .map_err(|e| e.to_string())?;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if let Some(m) = hits.first() {
                let shown = m.substituted.as_deref().unwrap_or(&m.target);
                let useful = chrf(shown, &q.target);
                let row = [&q.source, &m.source, shown, &q.target].map(|t| tsv_field(t));
                dump.push_str(&format!("{}\t{useful:.1}\t{}\n", m.score, row.join("\t")));
            }
            let hits = hits
                .into_iter()
                .map(|m| (f64::from(m.score), m.substituted.unwrap_or(m.target)))
                .collect();
            answers.push(Answer { hits, ms });
            if args.rerank == 0 || scorer != Scorer::Tmkit {
                continue;
            }
            let t = Instant::now();
            let wide = memory
                .lookup(&q.source, args.rerank, args.min)
                .map_err(|e| e.to_string())?;
            let base_ms = t.elapsed().as_secs_f64() * 1e3;
            for (system, (_, rescore)) in reranked.iter_mut().zip(RERANKS) {
                let t = Instant::now();
                let mut hits: Vec<(f64, String)> = wide
                    .iter()
                    .map(|m| {
                        (
                            rescore(&q.source, &m.source, f64::from(m.score)),
                            m.substituted.clone().unwrap_or_else(|| m.target.clone()),
                        )
                    })
                    .collect();
                hits.sort_by(|a, b| b.0.total_cmp(&a.0));
                hits.truncate(args.top);
                let ms = base_ms + t.elapsed().as_secs_f64() * 1e3;
                system.answers.push(Answer { hits, ms });
            }
        }
        // The top match of each query, for reading: score, chrF, query,
        // stored source, stored target, held-out target.
        let dumped = args.dir.join(format!("top1_{scorer}.tsv"));
        fs::write(&dumped, dump).map_err(|e| format!("{}: {e}", dumped.display()))?;
        systems.push(System {
            name: format!("tmkit {scorer}"),
            answers,
        });
        systems.extend(reranked.into_iter().filter(|s| !s.answers.is_empty()));
    }
    for peers in peer_files(&args.dir)? {
        systems.extend(read_peers(&peers, queries.len())?);
    }
    let min = f64::from(args.min);
    // One table per number of queries the systems were run on, so that every
    // row of a table is measured on the same queries.
    let mut sizes: Vec<usize> = systems.iter().map(|s| s.answers.len()).collect();
    sizes.sort_unstable();
    sizes.dedup();
    println!(
        "memory {} units; {} held-out queries; top {}, threshold {}",
        tm.stats().map_err(|e| e.to_string())?.units,
        queries.len(),
        args.top,
        args.min
    );
    for &n in sizes.iter().rev() {
        let rows: Vec<&System> = systems.iter().filter(|s| s.answers.len() >= n).collect();
        table(&rows, &queries[..n], min);
    }
    Ok(())
}

/// Prints one table over `queries` for `systems` (their first
/// `queries.len()` answers).
fn table(systems: &[&System], queries: &[Query], min: f64) {
    let n = queries.len();
    let top1 = |s: &System, i: usize| -> Option<(f64, f64)> {
        let a = &s.answers[i];
        a.hits
            .first()
            .filter(|h| h.0 >= min)
            .map(|h| (h.0, chrf(&h.1, &queries[i].target)))
    };
    let common: Vec<usize> = (0..n)
        .filter(|&i| systems.iter().all(|s| top1(s, i).is_some()))
        .collect();
    println!("\n{n} queries ({} covered by every system)", common.len());
    print!("| system | coverage | chrF top-1 | common | oracle@5 | Spearman |");
    for (band, ..) in BANDS {
        print!(" {band} |");
    }
    println!(" p50 ms | p99 ms |");
    println!(
        "|---|---:|---:|---:|---:|---:|{}---:|---:|",
        "---:|".repeat(BANDS.len())
    );
    for s in systems {
        let pairs: Vec<(f64, f64)> = (0..n).filter_map(|i| top1(s, i)).collect();
        let oracle: Vec<f64> = (0..n)
            .filter(|&i| top1(s, i).is_some())
            .map(|i| {
                s.answers[i]
                    .hits
                    .iter()
                    .filter(|h| h.0 >= min)
                    .map(|h| chrf(&h.1, &queries[i].target))
                    .fold(0.0, f64::max)
            })
            .collect();
        let common_mean = mean(common.iter().filter_map(|&i| top1(s, i).map(|p| p.1)));
        let (scores, useful): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
        let mut ms: Vec<f64> = s.answers[..n].iter().map(|a| a.ms).collect();
        ms.sort_by(f64::total_cmp);
        print!(
            "| {} | {} ({:.1}%) | {:.1} | {:.1} | {:.1} | {:.3} |",
            s.name,
            pairs.len(),
            100.0 * pairs.len() as f64 / n as f64,
            mean(useful.iter().copied()),
            common_mean,
            mean(oracle.into_iter()),
            spearman(&scores, &useful),
        );
        for (_, lo, hi) in BANDS {
            let band: Vec<f64> = pairs
                .iter()
                .filter(|p| (lo..=hi).contains(&p.0.floor()))
                .map(|p| p.1)
                .collect();
            if band.is_empty() {
                print!(" – (0) |");
            } else {
                print!(" {:.1} ({}) |", mean(band.iter().copied()), band.len());
            }
        }
        println!(
            " {:.3} | {:.3} |",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99)
        );
    }
}

/// The store in `DIR/db`, importing `DIR/memory.tsv` into it the first time.
fn open_memory(dir: &Path, fr: &Lang, en: &Lang) -> Result<Tm, String> {
    let db = dir.join("db");
    if db.exists() {
        return Tm::open(&db).map_err(|e| e.to_string());
    }
    let tm = Tm::create(&db).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let opts = ImportOptions {
        src_lang: Some(fr.clone()),
        tgt_lang: Some(en.clone()),
        ..ImportOptions::default()
    };
    let summary = tm
        .import_file(&dir.join("memory.tsv"), &opts, &mut |_| {})
        .map_err(|e| e.to_string())?;
    eprintln!(
        "imported {} of {} units into {} in {:.1} s",
        summary.imported,
        summary.tus,
        db.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(tm)
}

/// `line<TAB>french<TAB>english` lines, as `bench/useful_split.py` writes them.
fn read_queries(path: &Path) -> Result<Vec<Query>, String> {
    let text = fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e}; make it with bench/useful_split.py",
            path.display()
        )
    })?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let cols: Vec<&str> = line.split('\t').collect();
            match cols[..] {
                [_, fr, en] => Ok(Query {
                    source: tsv_text(fr).into_owned(),
                    target: tsv_text(en).into_owned(),
                }),
                _ => Err(format!(
                    "{}:{}: expected 3 tab-separated columns, got {}",
                    path.display(),
                    i + 1,
                    cols.len()
                )),
            }
        })
        .collect()
}

/// The `peers*.tsv` files of `dir`, by name.
fn peer_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("peers") && n.ends_with(".tsv"))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// A peers file of `bench/useful_peers.py`: per line `scorer, query index,
/// ms, n`, then `n` pairs `score, target`. Answers beyond `limit` queries are
/// left out.
fn read_peers(path: &Path, limit: usize) -> Result<Vec<System>, String> {
    let mut text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !text.is_empty() && !text.ends_with('\n') {
        // A peer still running: its last line is not written yet.
        let whole = text.rfind('\n').map_or(0, |i| i + 1);
        eprintln!("{}: last line incomplete, left out", path.display());
        text.truncate(whole);
    }
    let mut by_name: BTreeMap<String, Vec<Answer>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let bad = |what: &str| format!("{}:{}: {what}", path.display(), i + 1);
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 {
            return Err(bad("expected scorer, query, ms, hits"));
        }
        let k: usize = cols[1].parse().map_err(|_| bad("query index"))?;
        let ms: f64 = cols[2].parse().map_err(|_| bad("milliseconds"))?;
        let n: usize = cols[3].parse().map_err(|_| bad("hit count"))?;
        if cols.len() != 4 + 2 * n {
            return Err(bad(&format!("{n} hits need {} columns", 4 + 2 * n)));
        }
        let answers = by_name.entry(cols[0].to_string()).or_default();
        if k >= limit {
            continue;
        }
        if k != answers.len() {
            return Err(bad(&format!(
                "query {k} out of order, expected {}",
                answers.len()
            )));
        }
        let hits = cols[4..]
            .chunks(2)
            .map(|h| {
                Ok((
                    h[0].parse().map_err(|_| bad("score"))?,
                    tsv_text(h[1]).into_owned(),
                ))
            })
            .collect::<Result<_, String>>()?;
        answers.push(Answer { hits, ms });
    }
    Ok(by_name
        .into_iter()
        .map(|(name, answers)| System {
            name: match name.as_str() {
                "translate" => "translate-toolkit Levenshtein".to_string(),
                other => format!("rapidfuzz {other}"),
            },
            answers,
        })
        .collect())
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Ranks from 1, ties sharing their mean rank.
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            out[k] = r;
        }
        i = j + 1;
    }
    out
}

/// Spearman's rank correlation (Pearson's over tie-averaged ranks).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let (ma, mb) = (mean(ra.iter().copied()), mean(rb.iter().copied()));
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}
