use std::{io::Write, path::PathBuf, process::ExitCode, time::Instant};

use anyhow::{bail, Result};
use serde_json::json;
use tmkit_engine::Match;

use crate::{
    flags::{parse_top, MemoryArgs, ScorerArg},
    out,
};

/// Find the stored units whose source is most like a sentence.
///
/// Scores run from 0 to 100. 100 means the texts are identical once
/// normalized (Unicode NFC, outer whitespace, quote and space variants);
/// 95-99 means they differ only in case, punctuation, whitespace, numbers
/// or tags; below that the score measures the words changed. --explain
/// shows why each match scored what it did.
///
/// Exit code: 0 when some query found a match, 1 when none did, 2 on error.
///
/// Examples:
///   tmkit lookup --db ./tm --src-lang fr --tgt-lang en "Le président a parlé."
///   tmkit lookup --src-lang fr --tgt-lang en --file queries.txt --json
///   tmkit lookup --src-lang fr --tgt-lang en --explain --min 70 "Bonjour."
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The sentence to look up (several words are joined by spaces).
    text: Vec<String>,
    /// Read queries from FILE, one per line.
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    file: Option<PathBuf>,
    #[command(flatten)]
    memory: MemoryArgs,
    /// Lowest score shown.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
    min: u8,
    /// How many matches per query (1 or more).
    #[arg(long, default_value_t = 5, value_parser = parse_top)]
    top: usize,
    /// Scoring function: tmkit (words, explained), omegat (as OmegaT), chars
    /// (character edit distance, as translate-toolkit).
    #[arg(long, value_enum, default_value_t = ScorerArg::Tmkit)]
    scorer: ScorerArg,
    /// Show each score's breakdown.
    #[arg(long)]
    explain: bool,
    /// Scan every stored source instead of using the index (slow; for
    /// checking that the index finds the same matches).
    #[arg(long)]
    brute_force: bool,
    /// One JSON object per query on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let queries: Vec<String> = match &args.file {
        Some(path) => super::read_input(Some(path))?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        None if !args.text.is_empty() => vec![args.text.join(" ")],
        None => {
            bail!("nothing to look up: give a sentence, or --file FILE with one query per line")
        }
    };
    let memory = args
        .memory
        .memory(args.scorer)?
        .brute_force(args.brute_force);
    let mut w = out::stdout();
    let mut any = false;
    for query in &queries {
        let started = Instant::now();
        let matches = memory.lookup(query, args.top, args.min)?;
        let elapsed_us = started.elapsed().as_micros() as u64;
        any |= !matches.is_empty();
        if args.json {
            let value = json!({"type": "query", "query": query, "elapsed_us": elapsed_us, "matches": matches});
            out::json_line(&mut w, &value)?;
        } else {
            print_human(&mut w, query, &matches, args.explain, queries.len() > 1)?;
        }
    }
    w.flush()?;
    Ok(if any {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_human(
    w: &mut impl Write,
    query: &str,
    matches: &[Match],
    explain: bool,
    header: bool,
) -> Result<()> {
    if header {
        writeln!(w, "query: {query}")?;
    }
    if matches.is_empty() && header {
        writeln!(w, "  no match")?;
    }
    for m in matches {
        writeln!(w, "{:>3}%  #{}  {}", m.score, m.id, m.source)?;
        writeln!(w, "      → {}", m.target)?;
        if let Some(sub) = &m.substituted {
            writeln!(w, "      ⇒ {sub}  (numbers/placeholders substituted)")?;
        }
        if explain {
            for line in m.explanation.to_string().lines() {
                writeln!(w, "      | {line}")?;
            }
            if m.align_penalty > 0 {
                writeln!(
                    w,
                    "      | -{} alignment confidence {:.2}",
                    m.align_penalty,
                    m.align_confidence.unwrap_or(0.0)
                )?;
            }
        }
    }
    Ok(())
}
