use std::{io::Write, process::ExitCode, time::Instant};

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

use crate::{flags::MemoryArgs, out};

/// What `tmkit lexicon` does.
#[derive(Debug, Subcommand)]
pub enum Lexicon {
    /// Learn a lexicon from the stored units of a language pair.
    Build(BuildArgs),
}

/// Learn a word lexicon from the stored units of a language pair.
///
/// Word pairs that occur together in units far more often than chance (Dice
/// coefficient) are kept. The lexicon is saved in the store directory and
/// used by `tmkit align --db DIR` for that pair from then on.
///
/// Example:
///   tmkit lexicon build --db ./tm --src-lang fr --tgt-lang en
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct BuildArgs {
    #[command(flatten)]
    memory: MemoryArgs,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(what: Lexicon) -> Result<ExitCode> {
    let Lexicon::Build(args) = what;
    let started = Instant::now();
    let tm = args.memory.store.open()?;
    let (path, pairs) = tm.build_lexicon(args.memory.src(), args.memory.tgt())?;
    let seconds = started.elapsed().as_secs_f64();
    let mut w = out::stdout();
    if args.json {
        let value = json!({"type": "lexicon", "path": path.display().to_string(), "pairs": pairs, "seconds": seconds});
        out::json_line(&mut w, &value)?;
    } else {
        writeln!(
            w,
            "{pairs} word pairs learned in {seconds:.1} s: {}",
            path.display()
        )?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
